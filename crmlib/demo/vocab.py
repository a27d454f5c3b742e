"""Reference lists the demo draws from: regions, names, industries, products and reasons.

Dictionary values (industry, source, lost and return reasons, payment methods, ...) are Chinese
text, as a Chinese CRM such as Wukong stores them; values with a closed set in the data model
(statuses, activity kinds and channels, owner-change reasons) are its English ids.
"""

from __future__ import annotations

__all__ = [
    "TEAMS", "REGIONS", "GLOBAL_CITIES", "SURNAMES", "GIVEN", "EN_GIVEN", "EN_SURNAMES",
    "BRAND_1", "BRAND_2", "BRAND_3", "INDUSTRIES", "EN_PREFIX", "EN_SUFFIX", "EN_MIDDLE",
    "EN_LEGAL", "CN_LEGAL", "SOURCES", "PRODUCTS", "LOST_REASONS", "DISQUALIFY_REASONS",
    "RETURN_REASONS", "PAYMENT_METHODS", "INVOICE_TYPES", "CN_TITLES", "EN_TITLES",
    "MOBILE_PREFIXES", "EMAIL_LOCAL",
]

# team id -> (department, region, weight of the customer base). Teams join in this order as the
# scale grows (3 teams at the smallest scale); `global` serves foreign companies in English.
TEAMS = {
    "east": ("华东大区", "华东", 0.30),
    "north": ("华北大区", "华北", 0.22),
    "global": ("Global Accounts", "全国", 0.13),
    "south": ("华南大区", "华南", 0.20),
    "southwest": ("西南大区", "西南", 0.09),
    "central": ("华中大区", "华中", 0.09),
}

# region -> province -> cities (real ones; municipalities are their own city)
REGIONS = {
    "华东": {"上海市": ["上海市"], "浙江省": ["杭州市", "宁波市", "温州市", "绍兴市"],
             "江苏省": ["南京市", "苏州市", "无锡市", "常州市"], "山东省": ["济南市", "青岛市", "烟台市"],
             "安徽省": ["合肥市", "芜湖市"], "福建省": ["福州市", "厦门市", "泉州市"]},
    "华北": {"北京市": ["北京市"], "天津市": ["天津市"], "河北省": ["石家庄市", "唐山市", "保定市"],
             "山西省": ["太原市", "大同市"], "辽宁省": ["沈阳市", "大连市"]},
    "华南": {"广东省": ["广州市", "深圳市", "东莞市", "佛山市"], "广西壮族自治区": ["南宁市", "柳州市"],
             "海南省": ["海口市", "三亚市"]},
    "西南": {"四川省": ["成都市", "绵阳市"], "重庆市": ["重庆市"], "云南省": ["昆明市", "曲靖市"]},
    "华中": {"湖北省": ["武汉市", "宜昌市", "襄阳市"], "湖南省": ["长沙市", "株洲市"],
             "河南省": ["郑州市", "洛阳市"]},
}
# where the Global Accounts customers sit: (province, city, English city)
GLOBAL_CITIES = [("上海市", "上海市", "Shanghai"), ("北京市", "北京市", "Beijing"),
                 ("广东省", "深圳市", "Shenzhen"), ("广东省", "广州市", "Guangzhou"),
                 ("江苏省", "苏州市", "Suzhou")]

# surname, pinyin, weight (share of the population, %)
SURNAMES = [
    ("王", "Wang", 7.1), ("李", "Li", 7.0), ("张", "Zhang", 6.7), ("刘", "Liu", 5.4),
    ("陈", "Chen", 4.6), ("杨", "Yang", 3.1), ("黄", "Huang", 2.2), ("赵", "Zhao", 2.0),
    ("吴", "Wu", 2.0), ("周", "Zhou", 1.9), ("徐", "Xu", 1.5), ("孙", "Sun", 1.4),
    ("马", "Ma", 1.3), ("朱", "Zhu", 1.2), ("胡", "Hu", 1.1), ("郭", "Guo", 1.1), ("何", "He", 1.0),
    ("高", "Gao", 1.0), ("林", "Lin", 1.0), ("罗", "Luo", 0.9), ("郑", "Zheng", 0.9),
    ("梁", "Liang", 0.8), ("谢", "Xie", 0.6), ("宋", "Song", 0.6), ("唐", "Tang", 0.6),
    ("许", "Xu", 0.5), ("韩", "Han", 0.5), ("冯", "Feng", 0.5), ("邓", "Deng", 0.5),
    ("曹", "Cao", 0.5), ("彭", "Peng", 0.5), ("曾", "Zeng", 0.5), ("肖", "Xiao", 0.4),
    ("田", "Tian", 0.4), ("董", "Dong", 0.4), ("袁", "Yuan", 0.4), ("潘", "Pan", 0.4),
    ("于", "Yu", 0.4), ("蒋", "Jiang", 0.4), ("蔡", "Cai", 0.4), ("余", "Yu", 0.4),
    ("杜", "Du", 0.4), ("叶", "Ye", 0.4), ("程", "Cheng", 0.4), ("苏", "Su", 0.3),
    ("魏", "Wei", 0.3), ("吕", "Lyu", 0.3), ("丁", "Ding", 0.3), ("任", "Ren", 0.3),
    ("沈", "Shen", 0.3), ("欧阳", "Ouyang", 0.05), ("司马", "Sima", 0.02),
]
# characters of given names, with pinyin
GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("英", "ying"), ("华", "hua"), ("玉", "yu"),
    ("萍", "ping"), ("红", "hong"), ("鹏", "peng"), ("辉", "hui"), ("建", "jian"), ("文", "wen"),
    ("晨", "chen"), ("宇", "yu"), ("浩", "hao"), ("欣", "xin"), ("怡", "yi"), ("子", "zi"),
    ("涵", "han"), ("轩", "xuan"), ("博", "bo"), ("思", "si"), ("雨", "yu"), ("佳", "jia"),
    ("俊", "jun"), ("婷", "ting"), ("雪", "xue"), ("琳", "lin"), ("凯", "kai"), ("斌", "bin"),
    ("峰", "feng"), ("晓", "xiao"), ("志", "zhi"), ("丹", "dan"), ("慧", "hui"), ("昊", "hao"),
]
EN_GIVEN = ["Emily", "David", "Michael", "Sarah", "Kevin", "Grace", "Jason", "Linda", "Eric",
            "Amy", "Tony", "Cindy", "Jack", "Helen", "Peter", "Vivian", "Frank", "Lucy", "Steven",
            "Alice", "Daniel", "Olivia", "James", "Sophie", "Thomas", "Anna", "Mark", "Laura"]
EN_SURNAMES = ["Smith", "Miller", "Brown", "Wilson", "Taylor", "Martin", "Schmidt", "Müller",
               "Dubois", "Rossi", "Tanaka", "Kim", "Johnson", "Walker", "Clarke", "Fischer"]

# company brands: two (sometimes three) characters, with pinyin for e-mail domains
BRAND_1 = [
    ("明", "ming"), ("华", "hua"), ("中", "zhong"), ("金", "jin"), ("博", "bo"), ("恒", "heng"),
    ("瑞", "rui"), ("天", "tian"), ("新", "xin"), ("盛", "sheng"), ("宏", "hong"), ("鼎", "ding"),
    ("嘉", "jia"), ("和", "he"), ("正", "zheng"), ("远", "yuan"), ("东", "dong"), ("海", "hai"),
    ("信", "xin"), ("德", "de"), ("永", "yong"), ("汇", "hui"), ("凯", "kai"), ("安", "an"),
    ("富", "fu"), ("通", "tong"), ("联", "lian"), ("创", "chuang"), ("美", "mei"), ("百", "bai"),
    ("光", "guang"), ("万", "wan"), ("同", "tong"), ("卓", "zhuo"), ("泰", "tai"), ("广", "guang"),
    ("长", "chang"), ("国", "guo"), ("云", "yun"), ("佳", "jia"),
]
BRAND_2 = [
    ("达", "da"), ("信", "xin"), ("科", "ke"), ("誉", "yu"), ("远", "yuan"), ("通", "tong"),
    ("丰", "feng"), ("泰", "tai"), ("源", "yuan"), ("诚", "cheng"), ("宇", "yu"), ("辉", "hui"),
    ("润", "run"), ("星", "xing"), ("航", "hang"), ("锐", "rui"), ("峰", "feng"), ("盛", "sheng"),
    ("隆", "long"), ("翔", "xiang"), ("晟", "sheng"), ("邦", "bang"), ("智", "zhi"), ("川", "chuan"),
    ("阳", "yang"), ("林", "lin"), ("祥", "xiang"), ("荣", "rong"), ("卓", "zhuo"), ("兴", "xing"),
    ("恒", "heng"), ("华", "hua"), ("创", "chuang"), ("海", "hai"), ("威", "wei"), ("德", "de"),
    ("新", "xin"), ("利", "li"), ("康", "kang"), ("腾", "teng"),
]
BRAND_3 = [("通", "tong"), ("达", "da"), ("泰", "tai"), ("源", "yuan"), ("信", "xin"), ("丰", "feng"),
           ("盛", "sheng"), ("诚", "cheng"), ("宝", "bao"), ("兴", "xing"), ("安", "an"), ("美", "mei"),
           ("佳", "jia"), ("捷", "jie"), ("图", "tu"), ("为", "wei"), ("元", "yuan"), ("正", "zheng"),
           ("和", "he"), ("合", "he")]

# industry (Wukong's defaults, 政府 replaced) -> (weight, Chinese name words, English name words)
INDUSTRIES = {
    "IT": (0.20, ["科技", "信息技术", "软件", "网络科技"], ["Technology", "Software", "Digital"]),
    "金融业": (0.08, ["投资", "金融服务", "资产管理", "融资租赁"],
              ["Capital", "Financial Services", "Investment"]),
    "房地产": (0.06, ["置业", "地产", "房地产开发", "物业管理"], ["Properties", "Real Estate", "Estates"]),
    "商业服务": (0.13, ["商务咨询", "企业管理", "人力资源", "会展服务"],
                ["Consulting", "Business Services", "Partners"]),
    "运输/物流": (0.09, ["物流", "供应链管理", "运输", "国际货运代理"],
                 ["Logistics", "Freight", "Supply Chain"]),
    "生产": (0.17, ["机械制造", "电子", "新材料", "实业"], ["Manufacturing", "Industries", "Materials"]),
    "文化传媒": (0.06, ["文化传媒", "广告", "影视", "文化传播"], ["Media", "Communications", "Studios"]),
    "教育": (0.06, ["教育科技", "培训", "教育咨询", "职业技能培训"], ["Education", "Learning", "Academy"]),
    "医疗健康": (0.07, ["医疗器械", "生物科技", "健康管理", "医药"],
                ["Healthcare", "Medical", "Life Sciences"]),
    "批发零售": (0.08, ["商贸", "贸易", "电子商务", "连锁"], ["Trading", "Retail", "Commerce"]),
}
CN_LEGAL = [("有限公司", 0.75), ("股份有限公司", 0.15), ("集团有限公司", 0.10)]
EN_PREFIX = ["North", "Blue", "Silver", "Red", "Green", "East", "West", "Bright", "Clear", "Deep",
             "Golden", "High", "Iron", "Lake", "Mountain", "Oak", "Pine", "River", "Rock", "Sky",
             "Star", "Stone", "Sun", "Swift", "True", "White", "Wind", "Ever", "Far", "First",
             "Grand", "Harbor", "Key", "Light", "Maple", "Nova", "Ocean", "Prime", "Summit", "Vast"]
EN_SUFFIX = ["wind", "stone", "bridge", "field", "gate", "point", "wave", "line", "peak", "port",
             "ridge", "view", "way", "wood", "works", "star", "light", "crest", "forge", "haven",
             "land", "mark", "more", "path", "rise", "shore", "side", "spring", "vale", "well",
             "brook", "dale", "ford", "hill", "lake", "leaf", "moor", "rock", "sun", "tree"]
EN_MIDDLE = ["", "", "", "", "", "", "", "Asia Pacific", "International", "Global", "Pacific",
             "Oriental", "China"]
EN_LEGAL = [("Co., Ltd.", 0.55), ("Ltd.", 0.2), ("Inc.", 0.15), ("Group", 0.1)]

# customer and lead sources -> (weight, deal-probability multiplier, campaign cost per lead or 0)
SOURCES = {
    "促销活动": (0.10, 0.9, 320.0),
    "搜索引擎": (0.20, 0.8, 260.0),
    "广告": (0.12, 0.7, 450.0),
    "转介绍": (0.16, 1.6, 0.0),
    "线上注册": (0.17, 0.8, 120.0),
    "线下展会": (0.10, 1.1, 900.0),
    "电话咨询": (0.15, 1.0, 0.0),
}

# category -> series -> [(name, list price, typical quantity, popularity)]
PRODUCTS = {
    "软件许可": {
        "智云ERP": [("智云ERP 标准版", 18_000, 1.5, 6), ("智云ERP 专业版", 38_000, 1.2, 5),
                  ("智云ERP 企业版", 88_000, 1.0, 2)],
        "智云CRM": [("智云CRM 标准版", 12_000, 1.5, 6), ("智云CRM 专业版", 26_000, 1.2, 4)],
        "智云协同": [("智云OA 标准版", 6_800, 2.0, 5), ("智云HR 标准版", 9_800, 1.5, 4),
                 ("数据中台 企业版", 168_000, 1.0, 1)],
    },
    "云服务": {
        "云主机": [("云主机 2核4G 年付", 3_600, 6.0, 6), ("云主机 8核32G 年付", 14_800, 3.0, 4)],
        "云存储": [("对象存储 10TB 年付", 9_600, 2.0, 4), ("云数据库 高可用版 年付", 12_000, 2.0, 3)],
        "云安全": [("安全防护包 年付", 18_000, 1.0, 3), ("CDN 流量包 50TB", 5_000, 3.0, 3)],
    },
    "硬件设备": {
        "智能终端": [("智能终端 T3", 2_999, 12.0, 5), ("扫码枪 S1", 899, 20.0, 4),
                 ("会议平板 65寸", 12_999, 2.0, 3)],
        "网络设备": [("交换机 24口", 3_200, 6.0, 3), ("防火墙 F100", 16_800, 1.5, 2),
                 ("服务器 R740", 45_000, 1.5, 2)],
    },
    "实施服务": {
        "实施": [("标准实施（人天）", 2_000, 15.0, 6), ("定制开发（人天）", 2_800, 20.0, 4)],
        "项目": [("数据迁移", 30_000, 1.0, 3), ("系统集成", 60_000, 1.0, 2)],
    },
    "培训认证": {
        "培训": [("线上培训课程", 3_000, 4.0, 4), ("现场培训（天）", 6_000, 2.0, 3)],
        "认证": [("认证考试", 1_200, 6.0, 2)],
    },
    "运维支持": {
        "运维": [("标准运维 年付", 20_000, 1.0, 5), ("高级运维 年付", 48_000, 1.0, 2)],
        "驻场": [("驻场支持（月）", 25_000, 3.0, 2)],
    },
}

# reasons, each with a weight
LOST_REASONS = [("价格过高", 30), ("选择了竞争对手", 25), ("预算取消", 15), ("需求变更", 12),
                ("决策延期", 10), ("联系不上", 8)]
DISQUALIFY_REASONS = [("无购买需求", 35), ("联系方式无效", 20), ("预算不足", 15),
                      ("重复线索", 12), ("非目标客户", 18)]
RETURN_REASONS = [("质量问题", 30), ("发错货", 12), ("运输损坏", 12), ("规格不符", 16),
                  ("客户改变主意", 18), ("功能不满足需求", 12)]
PAYMENT_METHODS = [("银行转账", 72), ("承兑汇票", 10), ("支付宝", 6), ("微信支付", 5),
                   ("支票", 4), ("现金", 3)]
INVOICE_TYPES = [("增值税专用发票", 70), ("增值税普通发票", 30)]
CN_TITLES = ["总经理", "副总经理", "采购经理", "采购专员", "技术总监", "IT经理", "财务经理",
             "行政主管", "运营总监"]
EN_TITLES = ["CEO", "General Manager", "Procurement Manager", "IT Director", "CFO",
             "Operations Manager", "Office Manager", "Purchasing Specialist"]
MOBILE_PREFIXES = [130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 157,
                   158, 159, 180, 181, 182, 183, 185, 186, 187, 188, 189]
EMAIL_LOCAL = ["info", "sales", "contact", "service", "admin", "office"]
