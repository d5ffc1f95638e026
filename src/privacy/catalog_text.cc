// Built-in types found with lexicons and grammar rather than by shape alone: person names,
// addresses and organisation names. The patterns find anchors (a street suffix and number,
// a legal-form suffix); detector_text.cc finds the extent and the names themselves.
#include "privacy/catalog.h"

// The type tables use designated initialisers and rely on EntityType's default member
// initialisers for the fields a type leaves out; GCC 12 still warns about those (fixed in
// GCC 13, PR 96868), so the warning is off in the files that build types.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace chitin::privacy {

void add_text_types(std::vector<EntityType>& out) {
  out.push_back({.id = "PERSON",
                 .label = "PERSON",
                 .category = "person",
                 .regions = "zh,en",
                 .description = "Person name: a Chinese surname (lexicon) with a given name next "
                                "to a context cue (我叫, 联系人, 先生, 经理, ...), or an English "
                                "given name (lexicon) with a capitalised family name or a title",
                 .validator = "",
                 .score = 0.8F,
                 .boundary = Boundary::kNone,
                 .example = "联系人：王建国"});
  out.push_back({.id = "ADDRESS_ZH",
                 .label = "ADDRESS",
                 .category = "location",
                 .regions = "CN",
                 .description = "Chinese address: province/city/district (lexicon) and a street "
                                "with a number, building and room",
                 .pattern = R"((?:路|街|大道|大街|巷|弄|胡同|道|里)(?:[0-9]{1,5}|)"
                            R"((?:一|二|三|四|五|六|七|八|九|十|百|零|〇){1,5})(?:-[0-9]{1,4})?号)",
                 .score = 0.85F,
                 .boundary = Boundary::kNone,
                 .extent = Extent::kStreetZh,
                 .example = "广东省深圳市南山区科技园路1号"});
  out.push_back({.id = "ADDRESS_EN",
                 .label = "ADDRESS",
                 .category = "location",
                 .regions = "en",
                 .description = "English street address: number, street name and type, unit, "
                                "city, state and postcode",
                 .pattern = R"([0-9]{1,5}[A-Za-z]?(?: [A-Z][a-z]+){1,4} (?:Street|St|Avenue|Ave|)"
                            R"(Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Place|Pl|Way|)"
                            R"(Terrace|Close|Square|Sq|Parkway|Pkwy|Highway|Hwy|Crescent|Row|)"
                            R"(Gardens|Mews|Walk|Hill|Park)\.?)",
                 .score = 0.85F,
                 .boundary = Boundary::kAlnum,
                 .extent = Extent::kStreetEn,
                 .example = "221B Baker Street, London"});
  out.push_back({.id = "ORG_ZH",
                 .label = "ORG",
                 .category = "organization",
                 .regions = "CN",
                 .description = "Chinese organisation name ending in a legal form (有限公司, "
                                "股份有限公司, 集团, 事务所, ...)",
                 .pattern = R"((?:股份有限公司|有限责任公司|有限公司|集团|研究院|研究所|)"
                            R"(事务所|合作社|基金会|商行|工作室|分公司|支行|分行))",
                 .score = 0.8F,
                 .boundary = Boundary::kNone,
                 .extent = Extent::kOrgZh,
                 .example = "深圳市腾飞科技有限公司"});
  out.push_back({.id = "ORG_EN",
                 .label = "ORG",
                 .category = "organization",
                 .regions = "en",
                 .description = "Organisation name of capitalised words ending in a legal form "
                                "(Ltd, LLC, Inc, GmbH, PLC, S.A., ...)",
                 .pattern = R"((?:[A-Z][A-Za-z0-9&'-]*[ ]){1,5}(?:Ltd|Limited|LLC|Inc|)"
                            R"(Incorporated|Corp|Corporation|GmbH|AG|PLC|plc|LLP|S\.A\.|SAS|SARL|)"
                            R"(B\.V\.|N\.V\.|Pty Ltd|Co\., Ltd|Co\. Ltd|Holdings|Group)\.?)",
                 .score = 0.8F,
                 .boundary = Boundary::kAlnum,
                 .extent = Extent::kOrgEn,
                 .example = "Acme Widgets Ltd"});
}

}  // namespace chitin::privacy
