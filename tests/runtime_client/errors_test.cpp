// Decoding of Kubernetes error answers into typed errors, and the classification predicates.
#include "operator/runtime/client/errors.hpp"

#include <gtest/gtest.h>

#include <string>

namespace redraft::runtime {
namespace {

std::string status_body(int code, const std::string& reason, const std::string& message) {
  return nlohmann::json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                        {"code", code},     {"reason", reason},  {"message", message}}
      .dump();
}

struct Row {
  int code;
  std::string reason;
  bool not_found, already_exists, conflict, gone, invalid;
};

TEST(DecodeApiError, StatusTable) {
  const Row rows[] = {
      {404, "NotFound", true, false, false, false, false},
      {409, "AlreadyExists", false, true, false, false, false},
      {409, "Conflict", false, false, true, false, false},
      {410, "Gone", false, false, false, true, false},
      {410, "Expired", false, false, false, true, false},
      {422, "Invalid", false, false, false, false, true},
      {403, "Forbidden", false, false, false, false, false},
  };
  for (const Row& row : rows) {
    ApiError e = decode_api_error(row.code, status_body(row.code, row.reason, "why"));
    SCOPED_TRACE(row.reason);
    EXPECT_EQ(e.code(), row.code);
    EXPECT_EQ(e.reason(), row.reason);
    EXPECT_EQ(e.message(), "why");
    EXPECT_EQ(e.status()["kind"], "Status");
    EXPECT_EQ(is_not_found(e), row.not_found);
    EXPECT_EQ(is_already_exists(e), row.already_exists);
    EXPECT_EQ(is_conflict(e), row.conflict);
    EXPECT_EQ(is_gone(e), row.gone);
    EXPECT_EQ(is_invalid(e), row.invalid);
  }
}

TEST(DecodeApiError, WhatNamesCodeReasonAndMessage) {
  ApiError e = decode_api_error(404, status_body(404, "NotFound", "pods \"x\" not found"));
  EXPECT_STREQ(e.what(), "kubernetes API error 404 NotFound: pods \"x\" not found");
}

TEST(DecodeApiError, ReasonFromCodeWhenStatusHasNone) {
  ApiError e = decode_api_error(
      409, nlohmann::json{{"kind", "Status"}, {"code", 409}, {"message", "m"}}.dump());
  EXPECT_EQ(e.reason(), "Conflict");
  EXPECT_TRUE(is_conflict(e));
}

TEST(DecodeApiError, StatusCodeWinsOverHttpCode) {
  // Watch ERROR events carry their own code inside a Status.
  ApiError e = decode_api_error(200, status_body(410, "Expired", "too old resource version"));
  EXPECT_EQ(e.code(), 410);
  EXPECT_TRUE(is_gone(e));
}

TEST(DecodeApiError, NonStatusBodyKeepsAPrintableExcerpt) {
  ApiError e = decode_api_error(502, "<html>\r\nBad Gateway</html>");
  EXPECT_EQ(e.code(), 502);
  EXPECT_EQ(e.reason(), "Unknown");
  EXPECT_EQ(e.message(), "<html>  Bad Gateway</html>");
  EXPECT_TRUE(e.status().is_null());
  EXPECT_TRUE(is_retryable(e));

  ApiError empty = decode_api_error(404, "");
  EXPECT_TRUE(is_not_found(empty));
  EXPECT_EQ(decode_api_error(500, std::string(5000, 'x')).message().size(), 200u);
}

TEST(DecodeApiError, UrlCredentialsEchoedByTheServerAreRedacted) {
  // A real API server quotes the rejected value, userinfo and all.
  nlohmann::json status = {
      {"kind", "Status"},
      {"code", 422},
      {"reason", "Invalid"},
      {"message",
       "AgenticTask \"t\" is invalid: spec.repo.url: Invalid value: \"https://user:pw@example.com/r\""},
      {"details",
       {{"name", "t"},
        {"causes",
         {{{"field", "spec.repo.url"},
           {"message", "Invalid value: \"https://user:pw@example.com/r\": should match"}},
          {{"field", "spec.mirror"}, {"message", "Invalid value: \"http://tok@m.example/x\""}}}}}}};
  ApiError e = decode_api_error(422, status.dump());
  EXPECT_TRUE(is_invalid(e));
  EXPECT_EQ(e.message(),
            "AgenticTask \"t\" is invalid: spec.repo.url: Invalid value: \"https://***@example.com/r\"");
  EXPECT_EQ(std::string(e.what()).find("user:pw"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("https://***@example.com/r"), std::string::npos) << e.what();
  const std::string kept = e.status().dump();
  EXPECT_EQ(kept.find("user:pw"), std::string::npos) << kept;
  EXPECT_EQ(kept.find("tok@"), std::string::npos) << kept;
  EXPECT_EQ(e.status()["details"]["causes"][0]["field"], "spec.repo.url");
  EXPECT_EQ(e.status()["details"]["causes"][1]["message"], "Invalid value: \"http://***@m.example/x\"");
}

TEST(DecodeApiError, NonStatusBodyIsRedactedBeforeItIsCut) {
  // The URL straddles the 200-character excerpt: cutting first would keep "user:passw".
  const std::string body = std::string(180, '.') + " https://user:password@h/x";
  ApiError e = decode_api_error(502, body);
  EXPECT_EQ(e.message().find("user"), std::string::npos) << e.message();
  EXPECT_EQ(e.message(), std::string(180, '.') + " https://***@h/x");
}

TEST(ApiErrorConstructor, RedactsMessageAndReason) {
  ApiError e(500, "InternalError", "cannot fetch https://u:secret@h/r");
  EXPECT_EQ(e.message(), "cannot fetch https://***@h/r");
  EXPECT_STREQ(e.what(), "kubernetes API error 500 InternalError: cannot fetch https://***@h/r");
}

TEST(DecodeApiError, ReasonTableForBareCodes) {
  EXPECT_EQ(reason_for_http_code(401), "Unauthorized");
  EXPECT_EQ(reason_for_http_code(422), "Invalid");
  EXPECT_EQ(reason_for_http_code(429), "TooManyRequests");
  EXPECT_EQ(reason_for_http_code(504), "ServerTimeout");
  EXPECT_EQ(reason_for_http_code(418), "Unknown");
}

TEST(ErrorPredicates, OtherExceptionsAreNeverApiErrors) {
  std::runtime_error plain("NotFound");
  EXPECT_FALSE(is_not_found(plain));
  EXPECT_FALSE(is_gone(plain));
  EXPECT_FALSE(is_retryable(plain));
  TransportError t("connection refused");
  EXPECT_TRUE(is_transport_error(t));
  EXPECT_TRUE(is_retryable(t));
  EXPECT_FALSE(is_conflict(t));
  ApiError conflict = decode_api_error(409, status_body(409, "Conflict", ""));
  EXPECT_FALSE(is_retryable(conflict));
  EXPECT_TRUE(is_retryable(decode_api_error(429, "")));
}

}  // namespace
}  // namespace redraft::runtime
