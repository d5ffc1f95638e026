// The lexicons behind names, addresses and organisations: data/privacy/lexicon (see
// data/privacy/SOURCES.md) plus the cue words below, which are ours.
#include <array>
#include <functional>

#include "base/parse.h"
#include "privacy/detector_impl.h"
#include "privacy/embedded_data.h"
#include "privacy/text.h"

namespace chitin::privacy {

namespace {

// A name follows these (我叫王芳, 联系人：王芳, 尊敬的王芳).
constexpr auto kNameBefore = std::to_array<std::string_view>(
    {"我叫", "我是", "叫做", "名叫", "姓名", "名字", "联系人", "收件人", "收货人", "寄件人",
     "申请人", "负责人", "经办人", "对接人", "患者", "病人", "客户", "学生", "员工", "同事", "您好",
     "你好", "亲爱的", "尊敬的", "转告", "告诉", "通知", "麻烦", "找一下", "问一下", "签名", "落款",
     "署名", "法人", "法定代表人", "代表人", "持卡人", "户名", "开户名", "账户名", "乘客", "旅客",
     "入住人", "预订人", "担保人", "紧急联系人", "家属", "监护人", "业主", "租客", "房东", "司机",
     "骑手", "快递员", "主讲人", "主持人", "参会人", "发言人", "记录人", "审批人", "抄送", "发件人",
     "作者", "新郎", "新娘", "被保险人", "投保人", "受益人", "借款人", "出借人", "收款人", "付款人",
     "报案人", "当事人", "嫌疑人", "证人", "推荐人", "介绍人", "面试官", "候选人", "应聘者",
     "姓名为", "同学", "老师", "医生", "经理", "主任", "记录", "致", "@", "From:", "Dear", "授权人",
     "领取人", "感谢", "本人", "持照人", "持证人", "签收人", "经手人", "报名人", "参保人", "就诊人",
     // Roles and titles written before a name (驾驶员王芳, 董事长王芳, 原告：王芳).
     "驾驶员", "民警", "警官", "导游", "客服", "房客", "租户", "失主", "报警人", "记者", "董事长",
     "总经理", "班长", "律师", "护士", "店长", "队长", "教练", "主管", "秘书", "助理", "原告",
     "被告", "上诉人", "被上诉人", "受害人", "委托人", "代理人", "申请者", "法官", "书记员",
     "审判长", "师傅", "中介", "谢谢", "老板", "队员", "考生", "学长", "学姐",
     // Parties and roles in records, contracts and registers (使用人傅军, 户主萧洋, 卖方薛汉雷).
     "使用人", "接送人", "操作员", "操作人", "户主", "买方", "卖方", "承租人", "出租人", "承租方",
     "出租方", "乘机人", "乘车人", "领用人", "借用人", "值班人", "值班员", "管理员", "填报人",
     "填表人", "审核人", "复核人", "批准人", "业务员", "销售员", "投诉人", "举报人", "来访人",
     "继承人", "保证人", "债权人", "债务人", "权利人", "见证人", "证明人", "被告人", "被害人",
     "犯罪嫌疑人", "法定代理人", "委托代理人", "辩护人", "买受人", "出卖人", "转让人", "受让人",
     "被申请人", "家长"});

// A name precedes these (王芳先生, 王芳说, 王芳的电话).
constexpr auto kNameAfter = std::to_array<std::string_view>(
    {"先生",   "女士",     "小姐",   "老师", "医生",     "大夫",   "经理",   "总监",     "主任",
     "总经理", "董事长",   "校长",   "教授", "博士",     "律师",   "同学",   "师傅",     "阿姨",
     "叔叔",   "护士",     "工程师", "会计", "主管",     "组长",   "部长",   "处长",     "局长",
     "科长",   "院长",     "所长",   "同志", "说",       "表示",   "认为",   "提到",     "指出",
     "告诉",   "打电话",   "来电",   "发来", "的电话",   "的手机", "的邮箱", "的身份证", "的地址",
     "的账户", "的银行卡", "的护照", "的车", "的订单",   "的快递", "的包裹", "的信息",   "的资料",
     "的简历", "的病历",   "的家",   "已经", "今天",     "昨天",   "明天",   "负责",     "签字",
     "确认",   "同意",     "反馈",   "报名", "入职",     "离职",   "请假",   "出差",     "回复",
     "留言",   "写道",     "提交",   "预约", "办理",     "申请",   "来访",   "到访",     "联系",
     "致电",   "发送",     "收到",   "去了", "在吗",     "您好",   "你好",   "总",       "老板",
     "教练",   "班长",     "队长",   "书记", "（签字）", "(签字)"});

// An organisation name follows these (就职于华为技术有限公司); they stop the walk left.
constexpr auto kOrgBoundary = std::to_array<std::string_view>(
    {"加入", "入职", "就职于", "任职于", "供职于",   "服务于",   "来自",     "签约",
     "委托", "甲方", "乙方",   "合作方", "公司名称", "单位名称", "单位",     "名称",
     "抬头", "开票", "收款方", "付款方", "供应商",   "客户",     "合作伙伴", "代理商",
     "联系", "拨打", "致电",   "访问",   "原告",     "被告",     "授权"});

// Single characters that are function words far more often than they start a name.
// Two-character words starting with a surname character (周三, 金额, 安全...): never names.
constexpr std::string_view kNotNames =
    "周一周二周三周四周五周六周日周天周末周年周期周边周围时间时候时刻时段金额金融安全安装安排"
    "方面方便方案方法方式方向费用付款那边后端前端注册钱包高兴高速高级高清高端包括温度夏天秋天"
    "冬天春天海外海关石油龙头左右简单宁可应该房间房子万一马上明天白天常见江湖路上云端车辆任务"
    "连续全部关于成功成本计划黄金程序文件司机于是和平向上华为毛利易用乐观苏醒胡说孔子林业田地"
    "姓名名单单位单号号码";

// Common verbs and nouns that rarely appear in given names; they rule a candidate out only
// when the evidence for it is weak (a weak cue or an isolated run).
constexpr std::string_view kNonNameChars =
    "吗呢吧啊呀哦嗯么着过得核拍填改换处查看买卖付收送寄取存用需求开关撤登记注册删除修提交审批确"
    "认估算费款账单票卡码证件表格栏址站门楼层室栋区路街县镇村组端网线器库包箱盒袋瓶杯碗船货物品"
    "价钱元块毛点钟次遍些多少坏慢短吃喝睡玩拿放找等做办搞弄贴戳储蓄籍贯一二三四五六七八九十"
    "夫师诉";

constexpr std::string_view kStopChars =
    "和与是在给对向从被把让叫请找跟同及或的了为于由将也都就还又才要会能我你他她您咱这那哪谁每"
    "各某本该上下前后里中内外到来去说问告知通转联系人名姓号日年时分秒个位们已再很都";

// Words that often, but not always, sit next to a name; a candidate there must look like a
// name (every given-name character in the name-character lexicon).
constexpr auto kNameBeforeWeak = std::to_array<std::string_view>(
    {"叫",   "给",   "跟",   "和",   "与",   "找",     "请",   "让",   "帮",     "问",
     "听说", "哥哥", "姐姐", "弟弟", "妹妹", "爸爸",   "妈妈", "我妈", "我爸",   "表哥",
     "表姐", "表弟", "表妹", "老公", "老婆", "朋友",   "室友", "领导", "代表是", "代表",
     "用户", "车主", "登记", "是",   "由",   "及",     "把",   "向",   "对",     "被",
     "陪",   "等",   "人",   "叫上", "证明", "兹证明", "拜访", "访客", "@",      "的",
     "感谢", "恭喜", "父亲", "母亲", "认识", "班",     "邻居"});
constexpr auto kNameAfterWeak = std::to_array<std::string_view>(
    {"和", "与", "也", "在", "要", "发", "主持", "汇报", "发布", "通完", "打", "是", "的", "去",
     "来", "被", "把", "让", "给", "跟", "对", "向", "从", "等", "及", "收", "你", "一起", "报销",
     "使用", "负责的",
     // 侯丽不慎遗失, 唐娜表姐的微信, 回潘成电话, 那个，段娟啊，
     "不慎", "表姐", "表哥", "表妹", "表弟", "堂姐", "堂哥", "堂妹", "堂弟", "电话", "啊，",
     "家的"});

// Two-character surnames that must be there whatever the lexicon holds.
constexpr std::string_view kCompoundSurnames =
    "欧阳司马上官诸葛东方皇甫尉迟公孙慕容长孙宇文司徒夏侯轩辕令狐端木澹台公冶太叔申屠赫连南宫"
    "钟离独孤万俟单于闻人呼延东郭百里西门第五拓跋";

// The most common surnames (about 85% of the population): a two-character name found by a
// weak cue must use one of them.
constexpr std::string_view kCommonSurnames =
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
    "萧阎易乔常武康贺严尹施牛洪龚文单葛庞樊兰殷汤詹柳甘祝包左鲁安岳凌柏章蓝胡霍伍卫管";

void split_lines(std::string_view text, const std::function<void(std::string_view)>& each) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end;
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (!line.empty()) {
      each(line);
    }
    start = end + 1;
  }
}

// Sets `flag` on each Han character of `text` (other characters are never asked about).
void flag_chars(TextModel& model, std::string_view text, TextModel::HanFlag flag) {
  for (std::size_t i = 0; i + 3 <= text.size(); i += 3) {
    if (const int index = han_index(text, i); index >= 0) {
      model.han_flags[static_cast<std::size_t>(index)] |= flag;
    }
  }
}

TextModel build_model() {
  TextModel model;
  split_lines(embedded_lexicon("zh_surnames"),
              [&](std::string_view line) { model.surnames.emplace(line); });
  for (std::size_t i = 0; i + 6 <= kCompoundSurnames.size(); i += 6) {
    model.surnames.emplace(kCompoundSurnames.substr(i, 6));
  }
  model.han_flags.assign(kHanCount, 0);
  for (const auto& surname : model.surnames) {
    if (surname.size() == 3) {
      flag_chars(model, surname, TextModel::kSurnameChar);
    } else if (surname.size() == 6) {
      flag_chars(model, surname.substr(0, 3), TextModel::kCompoundFirst);
    }
  }
  flag_chars(model, kCommonSurnames, TextModel::kCommonSurnameChar);
  split_lines(embedded_lexicon("zh_given_names"), [&](std::string_view line) {
    model.given_names.emplace(line);
    flag_chars(model, line, TextModel::kGivenChar);
  });
  split_lines(embedded_lexicon("zh_given_chars"),
              [&](std::string_view line) { flag_chars(model, line, TextModel::kGivenChar); });
  flag_chars(model, kStopChars, TextModel::kStopChar);
  flag_chars(model, kNonNameChars, TextModel::kNonNameChar);
  for (std::size_t i = 0; i + 6 <= kNotNames.size(); i += 6) {
    model.not_names.emplace(kNotNames.substr(i, 6));
  }
  model.surname_scores.assign(kHanCount, TextModel::kNoScore);
  model.given_scores.assign(kHanCount, TextModel::kNoScore);
  model.starts_surname.assign(kHanCount, 0);
  for (const auto& surname : model.surnames) {
    if (const int index = han_index(surname, 0); index >= 0) {
      model.starts_surname[static_cast<std::size_t>(index)] = 1;
    }
  }
  split_lines(embedded_lexicon("zh_name_char_scores"), [&](std::string_view line) {
    // "G<char> <tenths>" or "S<char> <tenths>"; the file is ours and checked by a test.
    const bool kind_ok = !line.empty() && (line[0] == 'G' || line[0] == 'S');
    const int index = kind_ok && line.size() > 5 && line[4] == ' ' ? han_index(line, 1) : -1;
    const auto score = parse_integer<std::int16_t>(index < 0 ? "" : line.substr(5), -1000, 1000);
    if (index < 0 || !score) {
      return;
    }
    auto& scores = line[0] == 'S' ? model.surname_scores : model.given_scores;
    scores[static_cast<std::size_t>(index)] = *score;
  });
  split_lines(embedded_lexicon("zh_common_words"),
              [&](std::string_view line) { model.common_words.emplace(line); });
  split_lines(embedded_lexicon("en_given_names"),
              [&](std::string_view line) { model.en_given.emplace(line); });
  split_lines(embedded_lexicon("en_family_names"),
              [&](std::string_view line) { model.en_family.emplace(line); });
  for (std::string_view word :
       {"Street",    "Road",        "Avenue",    "Lane",     "Drive",    "Court",    "Place",
        "Way",       "Square",      "Park",      "Ltd",      "Inc",      "LLC",      "Limited",
        "Corp",      "Corporation", "Company",   "Group",    "Holdings", "Bank",     "University",
        "College",   "School",      "Hospital",  "Clinic",   "Center",   "Centre",   "Team",
        "Support",   "Department",  "Office",    "Service",  "Services", "Airport",  "Station",
        "Hotel",     "City",        "County",    "State",    "Mall",     "Store",    "Shop",
        "Monday",    "Tuesday",     "Wednesday", "Thursday", "Friday",   "Saturday", "Sunday",
        "January",   "February",    "March",     "April",    "June",     "July",     "August",
        "September", "October",     "November",  "December", "Day",      "Week",     "Year",
        "The",       "And",         "For",       "From",     "With",     "Account",  "Card",
        "Number",    "Please",      "Thanks",    "Thank",    "Regards",  "Best",     "Dear",
        "Hello",     "Hi",          "Team",      "Manager",  "Director", "Engineer", "Customer",
        "Client",    "Project",     "Policy",    "Order",    "Invoice",  "Report",   "Meeting",
        "Agent",     "Server",      "Cloud",     "API",      "Key",      "Token",    "Email",
        "Phone",     "Address",     "Name",      "ID",       "Date",     "Birth",    "Born",
        "Street.",   "Boulevard",   "Terrace",   "Close",    "Gardens",  "Mews",     "Hill",
        "Row",       "Crescent",    "Highway",   "Parkway",  "Hong",     "Kong",     "Mainland",
        "Travel",    "Permit",      "New",       "York",     "San",      "Los",      "United",
        "Kingdom",   "China",       "Shanghai",  "Beijing",  "Shenzhen", "London",   "Bank",
        "Date",      "Visa",        "Master",    "Express",  "Taiwan",   "Macau",    "Social",
        "Security",  "National",    "Insurance", "Driver",   "License",  "Passport", "Festival",
        "Holiday"}) {
    model.en_not_name.emplace(word);
  }
  auto add_literals = [&](std::string_view lexicon, LexiconKind kind) {
    split_lines(embedded_lexicon(lexicon), [&](std::string_view line) {
      model.literals.push_back({std::string(line), kind});
    });
  };
  add_literals("zh_provinces", LexiconKind::kProvince);
  add_literals("zh_cities", LexiconKind::kCity);
  add_literals("zh_districts", LexiconKind::kDistrict);
  // Short forms of provinces and prefecture cities ("广东", "深圳") as written in addresses.
  for (const auto& entry : {std::pair{"zh_provinces", LexiconKind::kProvince},
                            std::pair{"zh_cities", LexiconKind::kCity}}) {
    const LexiconKind kind = entry.second;  // a named copy: lambdas cannot capture bindings
    split_lines(embedded_lexicon(entry.first), [&](std::string_view line) {
      for (std::string_view suffix :
           {"省", "市", "特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区"}) {
        if (line.size() >= suffix.size() + 6 && line.ends_with(suffix)) {
          model.literals.push_back(
              {std::string(line.substr(0, line.size() - suffix.size())), kind});
          break;
        }
      }
    });
  }
  for (std::string_view cue : kNameBefore) {
    model.literals.push_back({std::string(cue), LexiconKind::kNameBefore});
  }
  for (std::string_view cue : kNameAfter) {
    model.literals.push_back({std::string(cue), LexiconKind::kNameAfter});
  }
  for (std::string_view cue : kNameBeforeWeak) {
    model.literals.push_back({std::string(cue), LexiconKind::kNameBeforeWeak});
  }
  for (std::string_view cue : kNameAfterWeak) {
    model.literals.push_back({std::string(cue), LexiconKind::kNameAfterWeak});
  }
  for (std::string_view cue : kOrgBoundary) {
    model.literals.push_back({std::string(cue), LexiconKind::kOrgBoundary});
  }
  return model;
}

}  // namespace

const TextModel& text_model() {
  static const TextModel model = build_model();
  return model;
}

}  // namespace chitin::privacy
