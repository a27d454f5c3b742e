"""Copy the canonical tables of a CRM source into Spark, for tests and trials.

Kept apart from :mod:`crmlib.data.spark` (sessions and connections), which
:mod:`crmlib.data.connect` imports: this module needs :func:`~crmlib.data.connect.connect`.
"""

from __future__ import annotations

from crmlib.data.connect import connect

__all__ = ["load_tables"]


def load_tables(spark, source, *, tables=None, temporary: bool = True) -> list[str]:
    """Copy the tables of CRM ``source`` (anything :func:`crmlib.connect` opens) into Spark.

    Each table goes through Arrow with its types (a column of nulls stays typed). Meant for tests
    and trials; at scale, write Parquet from the source database and let Spark read it.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
        The session to copy into.
    source : str, path, CRM or ibis backend
        The CRM data.
    tables : collection of str, optional
        Only these tables; default all.
    temporary : bool, default=True
        As session views (gone with the session), else as saved tables in the current Spark
        database.

    Returns
    -------
    list of str
        The names copied.
    """
    crm = connect(source, check=False)
    names = [n for n in crm.backend.list_tables() if tables is None or n in tables]
    for name in names:
        df = spark.createDataFrame(crm.backend.table(name).to_pyarrow())
        if temporary:
            df.createOrReplaceTempView(name)
        else:
            df.write.mode("overwrite").saveAsTable(name)
    return names
