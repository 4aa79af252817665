#pragma once

// Fault injection: make chosen requests fail the way real S3 and real
// networks do, to test a client's retry and recovery code. Off unless rules
// are added (Options::faults, Server::AddFault, --fault, or the admin
// endpoint POST /_s2lite/faults).

#include <string>
#include <string_view>

#include "s2lite/status.h"

namespace s2lite {

enum class FaultAction {
  kError,     // answer an S3 error (error_code/http_status) without running the operation
  kDelay,     // wait delay_ms, then run the operation normally
  kReset,     // read part of the request body, then reset the connection
  kTruncate,  // run the operation, send the headers and half the body, then close
};

struct FaultRule {
  std::string operation = "*";  // S3 operation name ("UploadPart", ...) or "*" for any
  std::string bucket;           // "" = any bucket
  std::string key_prefix;       // "" = any key
  int part_number = 0;          // 0 = any (UploadPart / GetObject ?partNumber)
  int times = -1;               // fire for the next N matching requests; -1 = always
  double probability = 1.0;     // chance of firing for each matching request
  FaultAction action = FaultAction::kError;
  std::string error_code = "InternalError";  // kError
  int http_status = 500;                     // kError
  std::string message;                       // kError; "" = a generic message
  int delay_ms = 0;                          // kDelay
};

// Parses "operation=UploadPart,action=error,code=SlowDown,status=503,times=1"
// (keys: operation, bucket, prefix, part, times, probability, action
// (error|delay|reset|truncate), code, status, message, delay_ms).
Result<FaultRule> ParseFaultRule(std::string_view spec);

}  // namespace s2lite
