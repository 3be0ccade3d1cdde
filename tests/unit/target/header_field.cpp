#include <stress_testing/target/http/header_field.hpp>

#include <doctest/doctest.h>

#include <string>

namespace http = stress_testing::target::http;
using namespace std::string_literals;

TEST_SUITE("target") {
  TEST_CASE("a header line with CR LF or NUL is refused as header injection") {
    CHECK_FALSE(http::header_field_problem("X-Trace", "abc 123, \"quoted\"\t!").has_value());
    CHECK(http::header_field_problem("X-A", "1\r\nHost: evil") ==
          "the value contains a CR, LF or NUL character (header injection)");
    CHECK(http::header_field_problem("X-A", "1\nX: 2") ==
          "the value contains a CR, LF or NUL character (header injection)");
    CHECK(http::header_field_problem("X-A", "a\0b"s) ==
          "the value contains a CR, LF or NUL character (header injection)");
    CHECK(http::header_field_problem("X-A\r\nX-B", "1") ==
          "the name contains a CR, LF or NUL character (header injection)");
  }

  TEST_CASE("a header name must be a token") {
    CHECK(http::header_field_problem("", "1") == "the name is empty");
    CHECK(http::header_field_problem("X A", "1") == "the name contains ' ', not allowed in a header name");
    CHECK(http::header_field_problem("X:A", "1") == "the name contains ':', not allowed in a header name");
    CHECK_FALSE(http::header_field_problem("!#$%&'*+-.^_`|~09azAZ", "").has_value());
  }
}
