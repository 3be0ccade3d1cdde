#include <stress_testing/target/http/url.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

using stress_testing::target::http::url;

TEST_SUITE("target.http.url") {
  TEST_CASE("absolute URLs split into scheme host port and target") {
    auto u = url::parse("http://127.0.0.1:8080/v1/score?x=1#frag");
    REQUIRE(u);
    CHECK(u->scheme == "http");
    CHECK(u->host == "127.0.0.1");
    CHECK(u->port == 8080);
    CHECK(u->target == "/v1/score?x=1");
    CHECK(u->host_header() == "127.0.0.1:8080");
    CHECK_FALSE(u->tls());

    auto s = url::parse("HTTPS://localhost");
    REQUIRE(s);
    CHECK(s->tls());
    CHECK(s->port == 443);
    CHECK(s->target == "/");
    CHECK(s->host_header() == "localhost");

    auto v6 = url::parse("http://[::1]:9000?q");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->port == 9000);
    CHECK(v6->target == "/?q");
    CHECK(v6->host_header() == "[::1]:9000");
  }

  TEST_CASE("malformed URLs are refused with the reason") {
    auto reason = [](const char* text) {
      std::string why;
      CHECK_FALSE(url::parse(text, &why));
      return why;
    };
    CHECK(reason("127.0.0.1:80/") == "missing scheme (expected http:// or https://)");
    CHECK(reason("ftp://x/") == "unsupported scheme (expected http or https)");
    CHECK(reason("http://:80/") == "missing host");
    CHECK(reason("http://h:0/") == "port must be a number in 1..65535");
    CHECK(reason("http://h:70000/") == "port must be a number in 1..65535");
    CHECK(reason("http://h:/") == "empty port");
    CHECK(reason("http://[::1/") == "unterminated IPv6 address");
    CHECK(reason("http://user:pw@h/") == "user information in URLs is not supported (send credentials in a header)");
    CHECK_THROWS_WITH_AS(url::parse_or_throw("nope"), "invalid URL 'nope': missing scheme (expected http:// or https://)",
                         std::invalid_argument);
  }
}
