#pragma once
// Maps audit records to OCSF 1.1 events (Open Cybersecurity Schema Framework) for SIEMs:
//   auth.*              -> Authentication (3002, IAM)
//   tool.*, sandbox.*   -> Process Activity (1007, System Activity)
//   egress.*            -> Network Activity (4001)
//   config.*, skill.*, secret.*, approval.*, policy.*  -> API Activity (6003, Application)
//   anything else       -> Base Event (0)
// type_uid = class_uid * 100 + activity_id. The original record (seq, hash, type, details)
// is kept in metadata and `unmapped`, so nothing is lost.

#include <nlohmann/json.hpp>

#include "audit/record.h"

namespace chitin::audit {

nlohmann::json to_ocsf(const ParsedRecord& record);

}  // namespace chitin::audit
