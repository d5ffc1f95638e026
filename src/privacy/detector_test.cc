// Detection end to end on the built-in catalog, user types, and the bad inputs the issue
// names: invalid UTF-8, NUL bytes, pathological user patterns, huge dictionaries.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "privacy/detector_impl.h"
#include "privacy/dictionary.h"
#include "privacy/test_detector.h"
#include "privacy/text.h"
#include "privacy/user_types.h"
#include "support/temp_dir.h"

namespace chitin::privacy {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> found(std::string_view text) {
  auto entities = shared_detector().detect(text);
  EXPECT_TRUE(entities) << entities.error().describe();
  return entities ? describe(shared_detector(), text, *entities) : std::vector<std::string>{};
}

TEST(DetectorTest, FindsMixedChineseAndEnglishEntitiesWithByteOffsets) {
  const std::string text =
      "您好，我叫王建国，身份证号11010519491231002X，手机13812345678。Contact Olivia Bennett "
      "at olivia@example.com.";
  auto entities = shared_detector().detect(text);
  ASSERT_TRUE(entities);
  EXPECT_THAT(
      describe(shared_detector(), text, *entities),
      ElementsAre("PERSON:王建国", "CN_RESIDENT_ID:11010519491231002X", "CN_MOBILE:13812345678",
                  "PERSON:Olivia Bennett", "EMAIL:olivia@example.com"));
  EXPECT_EQ(text.substr((*entities)[1].start, 18), "11010519491231002X");
}

TEST(DetectorTest, ChecksumFailuresAndNearMissesAreNotEntities) {
  EXPECT_TRUE(found("订单号110105194912310021已发货").empty());      // bad check digit
  EXPECT_TRUE(found("card 4111 1111 1111 1112 declined").empty());   // fails Luhn
  EXPECT_TRUE(found("release 1.2.3.4.5 and build 10.0.0").empty());  // not addresses
  EXPECT_TRUE(found("commit 3f786850e387550fdab836ed7e6dc881de23001b").empty());
}

// Boundaries are part of the compiled patterns and scans see the text between two sentinels:
// an entity may touch either end of the text, never a letter or digit.
TEST(DetectorTest, EntitiesMayTouchTheEndsOfTheTextButNotAWordCharacter) {
  EXPECT_THAT(found("13812345678"), ElementsAre("CN_MOBILE:13812345678"));
  EXPECT_THAT(found("11010519491231002X"), ElementsAre("CN_RESIDENT_ID:11010519491231002X"));
  EXPECT_THAT(found("olivia@example.com"), ElementsAre("EMAIL:olivia@example.com"));
  EXPECT_TRUE(found("x13812345678").empty());
  EXPECT_TRUE(found("13812345678y").empty());
  EXPECT_TRUE(found("913812345678").empty());
  // Inside a longer digit run no shorter shape matches: "111000025" alone is an ABA routing
  // number; within 18 digits only the whole run counts (here a valid USCC check digit).
  EXPECT_THAT(found("routing number 111000025"), ElementsAre("US_ABA_ROUTING:111000025"));
  EXPECT_THAT(found("the total was 123456789012345678 units"),
              ElementsAre("CN_USCC:123456789012345678"));
  EXPECT_TRUE(found("the total was 111000025111000025111 units").empty());
}

// Spans are exact for values side by side, at the ends of the text, far into it and for a
// token of tens of kilobytes. Far into the text is the case to watch: Vectorscan 5.4.9
// reported start 0 (or no match) for "3734 Oak Road" after 70 bytes when the street pattern
// sat in small databases with start of match (scanning e-mail, street and company patterns
// for their ends and rescanning for starts was tried for speed and dropped for that).
TEST(DetectorTest, StartsOfMatchAreExact) {
  EXPECT_THAT(found("a.b@example.com,c-d@example.org;e@example.net"),
              ElementsAre("EMAIL:a.b@example.com", "EMAIL:c-d@example.org", "EMAIL:e@example.net"));
  EXPECT_THAT(found("请联系zhang.san@example.com谢谢"), ElementsAre("EMAIL:zhang.san@example.com"));
  EXPECT_THAT(found("route 2001:db8::1 via fe80::1ff:fe23:4567:890a now"),
              ElementsAre("IPV6:2001:db8::1", "IPV6:fe80::1ff:fe23:4567:890a"));
  EXPECT_THAT(found("She joined Acme Widgets Ltd after Northwind Trading LLC closed."),
              ElementsAre("ORG_EN:Acme Widgets Ltd", "ORG_EN:Northwind Trading LLC"));
  EXPECT_THAT(found("Ship it to 221B Baker Street, please"),
              ElementsAre("ADDRESS_EN:221B Baker Street"));
  const std::string far(70, 'x');
  EXPECT_THAT(found(far + " 3734 Oak Road,x"), ElementsAre("ADDRESS_EN:3734 Oak Road"));
  EXPECT_THAT(found(far + " 3734 Oak Road"), ElementsAre("ADDRESS_EN:3734 Oak Road"));
  EXPECT_THAT(found(far + " Acme Widgets Ltd,x"), ElementsAre("ORG_EN:Acme Widgets Ltd"));
  EXPECT_THAT(found(far + " a.b@example.com,x"), ElementsAre("EMAIL:a.b@example.com"));
  EXPECT_THAT(found("申请英国养老金需要提供国民保险号码AB087333D和住址3734 Oak Road"),
              ElementsAre("UK_NINO:AB087333D", "ADDRESS_EN:3734 Oak Road"));
  const std::string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJ" + std::string(40000, 'Q') + ".c2lnbmF0dXJl";
  EXPECT_THAT(found("token=" + jwt + " end"), ElementsAre("JWT:" + jwt));
}

// Latin context words count as words (a plural s allowed), not inside other words: "sin" is
// not in "since", "id" not in "video".
TEST(DetectorTest, LatinContextWordsAreWholeWords) {
  EXPECT_THAT(found("SIN 130 454 283"), ElementsAre("CA_SIN:130 454 283"));
  EXPECT_THAT(found("their SINs: 130 454 283"), ElementsAre("CA_SIN:130 454 283"));
  EXPECT_TRUE(found("since 130 454 283 people voted").empty());
  EXPECT_TRUE(found("using 130 454 283 as a seed").empty());
  EXPECT_EQ(find_word_folded("the video id: 7", "ID", false), 10U);
  EXPECT_EQ(find_word_folded("IDs and ids", "id", true), 8U);
  EXPECT_EQ(find_word_folded("身份id号", "ID", false), 6U);
  EXPECT_EQ(find_word_folded("video idea", "id", false), std::string_view::npos);
  EXPECT_EQ(find_word_folded("编号", "编号", true), 0U);
  EXPECT_EQ(find_word_folded("", "id", false), std::string_view::npos);
  // A context word whose boundary byte is the scan's sentinel (QQ号 at the very start, SIN at
  // the very end): its hit stays inside the text.
  EXPECT_THAT(found("QQ号12345678"), ElementsAre("CN_QQ:12345678"));
  EXPECT_THAT(found("130 454 283 is my SIN"), ElementsAre("CA_SIN:130 454 283"));
  EXPECT_THAT(found("telephone 415-555-0132"), ElementsAre("PHONE_NANP:415-555-0132"));
}

TEST(DetectorTest, ContextWordsDecideWeakShapes) {
  EXPECT_TRUE(found("the total was 123456789 units").empty());
  EXPECT_THAT(found("routing number 111000025"), ElementsAre("US_ABA_ROUTING:111000025"));
  EXPECT_THAT(found("护照号码：E12345678"), ElementsAre("CN_PASSPORT:E12345678"));
  EXPECT_TRUE(found("产品型号E12345678").empty());
  // A birth word belongs to the nearest date only.
  EXPECT_THAT(found("生于1990-03-07，预约日期2025-03-01"), ElementsAre("DATE_OF_BIRTH:1990-03-07"));
}

TEST(DetectorTest, NegativeWordsAreWholeWordsAndSpareChecksummedNumbers) {
  EXPECT_THAT(found("Please refund 4111 1111 1111 1111 today"),
              ElementsAre("CARD_VISA:4111 1111 1111 1111"));
  EXPECT_THAT(found("the order was paid with 4111 1111 1111 1111"),
              ElementsAre("CARD_VISA:4111 1111 1111 1111"));
  EXPECT_TRUE(found("order #4111111111111111").empty());  // right in front: an order number
  EXPECT_THAT(found("DOB 1990-01-01 (DOB)"), ElementsAre("DATE_OF_BIRTH:1990-01-01"));
}

TEST(DetectorTest, NameCoreferencesStayWholeWords) {
  // "Li" found after a title is searched again elsewhere, but not inside "Linux".
  EXPECT_THAT(found("Dr. Li signed it. Linux users asked Li."),
              ElementsAre("PERSON:Li", "PERSON:Li"));
}

TEST(DetectorTest, ThreeCharacterNamesAreFoundInRunningTextWithoutCues) {
  // No cue word on either side (昨晚 … 终于, 夸 … 勤快): found only because the characters
  // are far likelier in names than in text.
  EXPECT_THAT(found("昨晚陶思远终于搬进了新家。"), ElementsAre("PERSON:陶思远"));
  EXPECT_THAT(found("昨晚陶思远终于搬进了新家，邻居都夸陶思远勤快。"),
              ElementsAre("PERSON:陶思远", "PERSON:陶思远"));
  // Two surname characters in a row: the likelier surname starts the name (二班 is a class).
  EXPECT_THAT(found("三年级二班孔思琪昨晚发烧了。"), ElementsAre("PERSON:孔思琪"));
}

TEST(DetectorTest, TwoCharacterNamesAreFoundWhereAClauseEndsWithoutCues) {
  // Surname + one name character, then a particle or punctuation: no cue needed.
  EXPECT_THAT(found("昨天在超市遇到赵敏了。"), ElementsAre("PERSON:赵敏"));
  EXPECT_THAT(found("他把钥匙悄悄交给了钱鑫。"), ElementsAre("PERSON:钱鑫"));
  // The same shape made of words, or making words with its neighbours, is text: 白色,
  // 照顾 (顾 is a surname), 负责 after 对方 (对 is a weak cue, 方 a surname).
  for (const char* text :
       {"我的车是白色的，停在楼下。", "我们要照顾好你妈。", "对方负责人是谁？"}) {
    EXPECT_THAT(found(text), ElementsAre()) << text;
  }
}

TEST(DetectorTest, CuedNamesStopBeforeTextCharacters) {
  // After a cue, the second given character is dropped when it is a text character or starts
  // a word (受伤 is not part of the name, 不服 neither).
  EXPECT_THAT(found("司机王强受轻伤。"), ElementsAre("PERSON:王强"));
  EXPECT_THAT(found("上诉人李军不服一审判决。"), ElementsAre("PERSON:李军"));
  // 月 is a name character too, not only a date's.
  EXPECT_THAT(found("驾驶员王月娥，驾龄五年。"), ElementsAre("PERSON:王月娥"));
  // A dictionary word after a cue is what the cue is about.
  EXPECT_THAT(found("通知家长联系教务处。"), ElementsAre());
}

TEST(DetectorTest, CompoundSurnamesTakeOneGivenCharacterWithoutCues) {
  EXPECT_THAT(found("记者昨日采访了欧阳锋，他说。"), ElementsAre("PERSON:欧阳锋"));
}

TEST(DetectorTest, CueNeighboursAndInterjectionsAreNotNames) {
  // A repeated character is an interjection; 都 ends no name; 谢 belongs to 感谢.
  EXPECT_THAT(found("哈哈哈 林书瑶又迟到了"), ElementsAre("PERSON:林书瑶"));
  EXPECT_THAT(found("晚上八点老地方，王芳和孔丽都说能来"),
              ElementsAre("PERSON:王芳", "PERSON:孔丽"));
  EXPECT_THAT(found("特别感谢郭超在系统上线期间连续加班。"), ElementsAre("PERSON:郭超"));
  // A rare surname before a word (区 销售, 通 讯员, 员 after 人) and a word between Latin
  // text (连接) are text.
  for (const char* text : {"自即日起调任华东区销售总监。", "记者 邓嘉 通讯员 唐恒誉",
                           "在逃人员董强虎，台湾居民", "连接 db.example.com 失败"}) {
    const auto names = found(text);
    EXPECT_THAT(names, ::testing::Not(::testing::Contains(::testing::AnyOf(
                           "PERSON:区销售", "PERSON:通讯员", "PERSON:员董强", "PERSON:连接"))))
        << text;
  }
  // Legal parties: the organisation's name stops at 被告; the plaintiff keeps hers.
  EXPECT_THAT(found("原告汤艳诉被告上海宏达信息技术股份有限公司劳动争议一案。"),
              ElementsAre("PERSON:汤艳", "ORG_ZH:上海宏达信息技术股份有限公司"));
}

TEST(DetectorTest, HostsMayCarryAPortAndIdsALetterPrefix) {
  EXPECT_THAT(found("retrying connection to 183.31.167.64:5432 (attempt 3)"),
              ElementsAre("IPV4:183.31.167.64"));
  EXPECT_TRUE(found("release 1.2.3.4.5:80 build").empty());  // still no address in a longer run
  EXPECT_THAT(found("学籍号：G110101199110113099"),
              ElementsAre("CN_RESIDENT_ID:110101199110113099"));
  EXPECT_THAT(found("The victim lived at 4491 Harbor Road."),
              ElementsAre("ADDRESS_EN:4491 Harbor Road"));
  EXPECT_THAT(found("Meet me at 12 Main St. tomorrow"), ElementsAre("ADDRESS_EN:12 Main St."));
}

TEST(DetectorTest, NegativeWordsVetoOnlyWhatTheyCanName) {
  // A phone on a delivery slip is a phone; an order number right in front still vetoes it.
  EXPECT_THAT(found("快递面单 收件电话 15277512124 福建"), ElementsAre("CN_MOBILE:15277512124"));
  EXPECT_THAT(found("快递面单 15277512124 福建"), ElementsAre("CN_MOBILE:15277512124"));
  EXPECT_THAT(found("订单：13812345678"), ElementsAre());
  EXPECT_THAT(found("Order number: 13812345678"), ElementsAre());
  // A resident ID proves itself: 个人编号 (medical insurance) is that number.
  EXPECT_THAT(found("医保结算单 个人编号610113198105020591 统筹支付比例70%"),
              ElementsAre("CN_RESIDENT_ID:610113198105020591"));
  EXPECT_THAT(found("出境前请确认 EA2370187 有效期在六个月以上"),
              ElementsAre("CN_PASSPORT:EA2370187"));
}

TEST(DetectorTest, CueWordsAndUnitsAreNotNames) {
  EXPECT_THAT(found("住院登记：患者家属乔锡仙（配偶）"), ElementsAre("PERSON:乔锡仙"));
  EXPECT_THAT(found("谁认识金涛啊，说好的拼车"), ElementsAre("PERSON:金涛"));
  EXPECT_THAT(found("已补偿5元券"), ElementsAre());  // a unit after a number, not a name
}

TEST(DetectorTest, RecordLinesThatNameAPersonNeedNoContextWords) {
  // A roster row or a passenger list: the date of birth and the passport carry no label.
  EXPECT_THAT(found("程金令\t1980年11月2日\t本科"),
              ElementsAre("PERSON:程金令", "DATE_OF_BIRTH:1980年11月2日"));
  EXPECT_THAT(found("MU5101,诸葛仁,E82565247,已出票"),
              ElementsAre("PERSON:诸葛仁", "CN_PASSPORT:E82565247"));
  // Without a name on the line, or for a recent date, or after another date's word: no.
  EXPECT_THAT(found("MU5101,E82565247,已出票"), ElementsAre());
  EXPECT_THAT(found("程金令\t2021-03-02\t入职"), ElementsAre("PERSON:程金令"));
  EXPECT_THAT(found("钱秀英，预约日期1979-11-12，套餐A"), ElementsAre("PERSON:钱秀英"));
  // 先生于 is "Mr. … on", not "born on".
  EXPECT_THAT(found("讣告 石乐梦先生于2020年7月22日逝世"), ElementsAre("PERSON:石乐梦"));
  // Travel permits and old 15-digit ids in such rows too, far into the line as well; an
  // order word in front still vetoes them.
  EXPECT_THAT(found("胡磊\tH31790958\t27/10/1994"),
              ElementsAre("PERSON:胡磊", "CN_HMT_PERMIT:H31790958", "DATE_OF_BIRTH:27/10/1994"));
  EXPECT_THAT(found("张伟，男，汉族，籍贯某地，现居某处，工作单位某某单位某某部门某某科室，"
                    "370102831028428"),
              ElementsAre("PERSON:张伟", "CN_RESIDENT_ID_15:370102831028428"));
  EXPECT_THAT(found("张伟 订单号 370102831028428"), ElementsAre("PERSON:张伟"));
  EXPECT_THAT(found("and also the old 15-digit one 140105630604169."),
              ElementsAre("CN_RESIDENT_ID_15:140105630604169"));
}

// Parties in registers and contracts, relatives and set phrases after a name, and the old
// surname form 锺 (session 13).
TEST(DetectorTest, RegisterRolesKinshipAndSetPhrasesMarkNames) {
  EXPECT_THAT(found("资产登记：使用人傅军，网卡已更换"), ElementsAre("PERSON:傅军"));
  EXPECT_THAT(found("小区停车登记：户主萧洋，3栋2单元"), ElementsAre("PERSON:萧洋"));
  EXPECT_THAT(found("二手车过户：卖方薛汉雷，买方锺勇楚"),
              ElementsAre("PERSON:薛汉雷", "PERSON:锺勇楚"));
  EXPECT_THAT(found("谁有唐娜表姐的微信？"), ElementsAre("PERSON:唐娜"));
  EXPECT_THAT(found("遗失声明：侯丽不慎遗失身份证"), ElementsAre("PERSON:侯丽"));
  EXPECT_THAT(found("那个，段娟啊，你再发我一遍"), ElementsAre("PERSON:段娟"));
  // 授权 ends a company name's walk left, so the name before it stays a name.
  EXPECT_THAT(found("本人叶伟授权北京宏达电子股份有限公司核实"),
              ElementsAre("PERSON:叶伟", "ORG_ZH:北京宏达电子股份有限公司"));
  // Dates of birth before 的生日 and 生的.
  EXPECT_THAT(found("爷爷是1955-02-18的生日"), ElementsAre("DATE_OF_BIRTH:1955-02-18"));
  EXPECT_THAT(found("是不是1976-03-21生的？"), ElementsAre("DATE_OF_BIRTH:1976-03-21"));
  EXPECT_THAT(found("小二班孟恩克，家长秦月红，明天接"),
              ElementsAre("PERSON:孟恩克", "PERSON:秦月红"));
  EXPECT_THAT(found("邻居郑桂英家的狗天天叫"), ElementsAre("PERSON:郑桂英"));
  // A word on the not-a-name list is no given name ("Name" is in the given-name lexicon).
  EXPECT_THAT(found("Name Addie Bowman, date"), ElementsAre("PERSON:Addie Bowman"));
  EXPECT_THAT(found("June Carter and April Johnson came"),
              ElementsAre("PERSON:June Carter", "PERSON:April Johnson"));
  // Not names: kinship and set phrases after ordinary words.
  EXPECT_THAT(found("我表姐的微信"), ElementsAre());
  EXPECT_THAT(found("好啊，明天见"), ElementsAre());
  EXPECT_THAT(found("记得回电话"), ElementsAre());
  EXPECT_THAT(found("大家的意见，家长会定在周五"), ElementsAre());
}

TEST(DetectorTest, RecordFieldsYieldToEventsOrderWordsAndLongLines) {
  // An event dated after 于 or before 逝世 is no birth date, even on a name's line.
  EXPECT_THAT(found("讣告 石乐梦先生于1998年7月22日逝世"), ElementsAre("PERSON:石乐梦"));
  EXPECT_THAT(found("石乐梦\t1998年7月22日毕业"), ElementsAre("PERSON:石乐梦"));
  // An order number shaped like a passport stays an order number.
  EXPECT_THAT(found("订单号 S2024001，收货人王芳"), ElementsAre("PERSON:王芳"));
  // A birth word after a space, and in capitals.
  EXPECT_THAT(found("1990-03-07 生"), ElementsAre("DATE_OF_BIRTH:1990-03-07"));
  EXPECT_THAT(found("1990-03-07 (DOB)"), ElementsAre("DATE_OF_BIRTH:1990-03-07"));
  // One long line of many names: every name, no birth date, in bounded time.
  std::string line;
  for (int i = 0; i < 2000; ++i) {
    line += "联系人王芳，";
  }
  const auto names = found(line);
  EXPECT_EQ(names.size(), 2000U);
}

TEST(DetectorTest, NameCuesFitTheLookBackOfTheCueHelpers) {
  // cue_ends_at and cue_covers look back kMaxNameCueBytes for a cue's start.
  for (const LexiconLiteral& literal : text_model().literals) {
    const bool cue =
        literal.kind == LexiconKind::kNameBefore || literal.kind == LexiconKind::kNameBeforeWeak ||
        literal.kind == LexiconKind::kNameAfter || literal.kind == LexiconKind::kNameAfterWeak;
    EXPECT_TRUE(!cue || literal.text.size() <= kMaxNameCueBytes) << literal.text;
  }
}

TEST(DetectorTest, HostPortsAreShortAndEndTheRun) {
  EXPECT_THAT(found("connect 10.0.0.5:5432 now"), ElementsAre("IPV4:10.0.0.5"));
  EXPECT_TRUE(found("connect 10.0.0.5:5432:1 now").empty());
  EXPECT_TRUE(found("connect 10.0.0.5:5432.1 now").empty());
  EXPECT_TRUE(found("value 1.2.3.4:5.6.7.8 now").empty());
}

TEST(DetectorTest, BirthWordsRightAfterADateCount) {
  EXPECT_THAT(found("嫌疑人（男，1982年3月17日出生）已被拘留。"),
              ElementsAre("DATE_OF_BIRTH:1982年3月17日"));
  EXPECT_THAT(found("女，1990年3月5日生，汉族。"), ElementsAre("DATE_OF_BIRTH:1990年3月5日"));
  EXPECT_THAT(found("| 1961年11月25日（生日） |"), ElementsAre("DATE_OF_BIRTH:1961年11月25日"));
  EXPECT_THAT(found("应聘者，男，1980-05-01生，本科学历"), ElementsAre("DATE_OF_BIRTH:1980-05-01"));
  // 生效 ("takes effect") is no birth word.
  EXPECT_THAT(found("本规定自2024年5月1日生效。"), ElementsAre());
}

TEST(DetectorTest, PlaceNamesOnTheirOwnAreNotUncuedNames) {
  // A county or town alone has a name's shape, and 县/镇 score as name characters.
  for (const char* text : {"我下周去丰顺县看看。", "他老家在凤林镇那边。"}) {
    EXPECT_THAT(found(text), ::testing::Not(::testing::Contains(::testing::StartsWith("PERSON:"))))
        << text;
  }
}

TEST(DetectorTest, WordsThatStartWithASurnameAreNotUncuedNames) {
  // A surname character starting a dictionary word, idiom or phrase is not a name: 高兴, 一劳
  // 永逸 (劳 is a surname), 乌烟瘴气 (乌), 马马虎虎 (马), 哈巴狗 (哈).
  for (const char* text :
       {"大家听了都很高兴地回家了。", "这次一劳永逸地解决了问题。", "屋里乌烟瘴气的没法待。",
        "他做事总是马马虎虎的。", "门口趴着一只哈巴狗。", "我们已经盖好章了。"}) {
    EXPECT_THAT(found(text), ElementsAre()) << text;
  }
}

TEST(DetectorTest, NameStatisticsAreCompiledIn) {
  // data/privacy/lexicon/zh_name_char_scores.txt and zh_common_words.txt, embedded at build
  // time: a missing file would silently turn every surname into a name.
  const TextModel& model = text_model();
  const auto count = [](const std::vector<std::int16_t>& scores) {
    return std::count_if(scores.begin(), scores.end(),
                         [](std::int16_t score) { return score != TextModel::kNoScore; });
  };
  EXPECT_GT(count(model.given_scores), 10000);
  EXPECT_GT(count(model.surname_scores), 300);
  const auto score = [](const std::vector<std::int16_t>& scores, std::string_view c) {
    return scores[static_cast<std::size_t>(han_index(c, 0))];
  };
  EXPECT_GT(score(model.given_scores, "芳"), 20);
  EXPECT_LT(score(model.given_scores, "的"), -20);
  EXPECT_GT(score(model.surname_scores, "王"), 30);
  EXPECT_EQ(model.starts_surname[static_cast<std::size_t>(han_index("欧", 0))], 1);  // 欧阳
  EXPECT_TRUE(model.common_words.contains("老公"));
  EXPECT_TRUE(model.common_words.contains("一劳永逸"));
}

TEST(DetectorTest, ProviderSecretsAndTokens) {
  EXPECT_THAT(found("key AKIAIOSFODNN7EXAMPLE here"),
              ElementsAre("SECRET_AWS_ACCESS_KEY_ID:AKIAIOSFODNN7EXAMPLE"));
  EXPECT_THAT(found("see https://api.example.com/v1?access_token=abcdef123456."),
              ElementsAre("URL_TOKEN:https://api.example.com/v1?access_token=abcdef123456"));
  const std::string pem =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE "
      "KEY-----";
  EXPECT_THAT(found("key:\n" + pem + "\nthanks"), ElementsAre("OPENSSH_PRIVATE_KEY:" + pem));
}

TEST(DetectorTest, InvalidUtf8AndNulBytesAreProcessedAsBytes) {
  std::string text = "\xff\xfe 手机13812345678 \x80";
  text.push_back('\0');
  text += "邮箱 a.b@example.com \xe4\xb8";  // truncated sequence at the end
  EXPECT_THAT(found(text), ElementsAre("CN_MOBILE:13812345678", "EMAIL:a.b@example.com"));
  // The record pass around a name sees the same bytes: stray, NUL and truncated ones.
  std::string record = "\xff\xfe联系人王芳\t1980-01-01\t\x80";
  record.push_back('\0');
  record += "E82565247\xe4\xb8";
  EXPECT_THAT(found(record),
              ElementsAre("PERSON:王芳", "DATE_OF_BIRTH:1980-01-01", "CN_PASSPORT:E82565247"));
}

TEST(DetectorTest, OversizedInputIsRefusedSoCallersStream) {
  const std::string big(kMaxDetectBytes + 1, 'a');
  auto entities = shared_detector().detect(big);
  ASSERT_FALSE(entities);
  EXPECT_NE(entities.error().message.find("stream"), std::string::npos);
}

TEST(DetectorTest, DigitRunsAndCandidateFloodsStayBounded) {
  // One 20 MB digit run is no entity of any type (boundaries are part of the patterns).
  auto entities = shared_detector().detect(std::string(20U << 20, '7'));
  ASSERT_TRUE(entities) << entities.error().describe();
  EXPECT_TRUE(entities->empty());
  // Millions of candidates stop the scan at the candidate limit (kMaxRawMatches, 4 M): the
  // text is refused, not processed without bound.
  std::string flood;
  for (int i = 0; i < 5'000'000; ++i) {
    flood += "a@b.cn ";
  }
  entities = shared_detector().detect(flood);
  ASSERT_FALSE(entities);
  EXPECT_EQ(entities.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(entities.error().message.find("candidate matches"), std::string::npos);
}

TEST(DetectorTest, UserDictionariesMatchCaseInsensitivelyOnWordBoundaries) {
  auto detector = Detector::create({.dictionaries = {{"PROJECT", {"Blue Falcon", "青鸟计划"}}},
                                    .patterns = {},
                                    .min_score = 0.5F,
                                    .cache_dir = PRIVACY_TEST_CACHE});
  ASSERT_TRUE(detector) << detector.error().describe();
  const std::string text = "the blue falcon launch; BlueFalconX stays; 启动青鸟计划了";
  auto entities = (*detector)->detect(text);
  ASSERT_TRUE(entities);
  EXPECT_THAT(describe(**detector, text, *entities),
              ElementsAre("PROJECT:blue falcon", "PROJECT:青鸟计划"));
}

TEST(DetectorTest, UserPatternsWithValidators) {
  auto detector = Detector::create(
      {.dictionaries = {},
       .patterns = {{"EMPLOYEE_ID", "EMP-[0-9]{6}", ""}, {"LOYALTY_CARD", "LC[0-9]{16}", "luhn"}},
       .min_score = 0.5F,
       .cache_dir = PRIVACY_TEST_CACHE});
  ASSERT_TRUE(detector) << detector.error().describe();
  const std::string text = "EMP-004211 has LC4111111111111111 and LC4111111111111112";
  auto entities = (*detector)->detect(text);
  ASSERT_TRUE(entities);
  EXPECT_THAT(describe(**detector, text, *entities),
              ElementsAre("EMPLOYEE_ID:EMP-004211", "LOYALTY_CARD:LC4111111111111111"));
}

// Vectorscan never backtracks, so "catastrophic" patterns cost no scan time; what it cannot
// compile is refused with the reason.
TEST(DetectorTest, PathologicalUserPatternsAreBoundedOrRefusedClearly) {
  auto make = [](std::string type, std::string regex, std::string validator = "") {
    return Detector::create(
        {.dictionaries = {},
         .patterns = {{std::move(type), std::move(regex), std::move(validator)}},
         .min_score = 0.5F,
         .cache_dir = PRIVACY_TEST_CACHE});
  };
  auto nested = make("NESTED", "x(a+)+b");
  ASSERT_TRUE(nested) << nested.error().describe();
  const std::string evil = std::string(1 << 20, 'a');
  EXPECT_TRUE((*nested)->detect(evil));

  const std::vector<std::pair<std::string, std::string>> refused{
      {"a*", "empty"},
      {"(a)\\1", "Back-references"},
      {"(?<=x)y", "Zero-width assertions"},
      {"((a{1,200}){1,200}){1,200}", "large"},
      {"[", "Unterminated character class"},
  };
  for (const auto& [regex, reason] : refused) {
    auto detector = make("BAD", regex);
    ASSERT_FALSE(detector) << regex;
    EXPECT_NE(detector.error().message.find("BAD"), std::string::npos) << detector.error().message;
    EXPECT_NE(detector.error().message.find(reason), std::string::npos)
        << regex << ": " << detector.error().message;
  }
  // Vectorscan 5.4.9 aborts inside hs_scan on these with start-of-match tracking; refused.
  for (const std::string regex : {"a+b", "1{1,}2", "(?:a)+b", "x|a+b", "(?i)a+b", "\\x61+b"}) {
    auto hazard = make("HAZARD", regex);
    ASSERT_FALSE(hazard) << regex;
    EXPECT_NE(hazard.error().message.find("crashes"), std::string::npos) << hazard.error().message;
  }
  for (const std::string regex : {"xa+b", "[a-z]+@[a-z]+", "a{1,64}b", "[0-9]+x"}) {
    EXPECT_TRUE(make("FINE", regex)) << regex;
  }
  auto long_pattern = make("LONG", std::string(kMaxUserPatternBytes + 1, 'a'));
  ASSERT_FALSE(long_pattern);
  EXPECT_NE(long_pattern.error().message.find("longer than"), std::string::npos);
  auto bad_validator = make("X", "x[0-9]", "no_such_check");
  ASSERT_FALSE(bad_validator);
  EXPECT_NE(bad_validator.error().message.find("no_such_check"), std::string::npos);
  for (const std::string& id : std::vector<std::string>{"lower", "PERSON", "CN_ID", "LITERAL", "9X",
                                                        std::string(60, 'A')}) {
    auto bad_type = make(id, "x[0-9]");
    EXPECT_FALSE(bad_type) << id;
  }
}

TEST(DetectorTest, DictionaryFilesAreBoundedWithLineNumbers) {
  chitin::testing::TempDir dir;
  const std::string good = dir.file("staff.txt");
  chitin::testing::write_text(good, "# staff\n\nAlice Zhang\r\n  李雷  \n");
  auto loaded = load_dictionary("STAFF=" + good);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  EXPECT_THAT(loaded->terms, ElementsAre("Alice Zhang", "李雷"));

  const std::string bad = dir.file("bad.txt");
  chitin::testing::write_text(bad, "ok\n\xff\xfe\n");
  auto invalid = load_dictionary("STAFF=" + bad);
  ASSERT_FALSE(invalid);
  EXPECT_NE(invalid.error().message.find("bad.txt:2"), std::string::npos);

  const std::string long_term = dir.file("long.txt");
  chitin::testing::write_text(long_term, std::string(kMaxTermBytes + 1, 'x') + "\n");
  auto too_long = load_dictionary("STAFF=" + long_term);
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("long.txt:1"), std::string::npos);

  EXPECT_FALSE(load_dictionary("STAFF=" + dir.file("missing.txt")));
  EXPECT_FALSE(load_dictionary("no-equals-sign"));
  EXPECT_FALSE(load_dictionary("STAFF=" + dir.file("empty.txt")));
}

TEST(DetectorTest, DictionaryTermLimitIsEnforced) {
  std::vector<DictionaryTerm> terms(kMaxDictionaryTerms + 1, DictionaryTerm{"x", 0});
  auto dictionary = Dictionary::build(std::move(terms));
  ASSERT_FALSE(dictionary);
  EXPECT_EQ(dictionary.error().code, ErrorCode::kLimitExceeded);
}

TEST(DictionaryTest, ReportsOverlappingTermsOfSeveralTypes) {
  auto dictionary = Dictionary::build({{"he", 1}, {"she", 2}, {"his", 3}, {"hers", 4}, {"he", 5}});
  ASSERT_TRUE(dictionary);
  std::vector<std::string> hits;
  const std::string text = "uSHErs";
  dictionary->scan(text, [&](std::uint32_t type, std::size_t start, std::size_t end) {
    hits.push_back(std::to_string(type) + ":" + text.substr(start, end - start));
  });
  EXPECT_THAT(hits, ElementsAre("2:SHE", "1:HE", "5:HE", "4:HErs"));
}

}  // namespace
}  // namespace chitin::privacy
