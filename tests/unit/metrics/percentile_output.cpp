#include <stress_testing/metrics/percentile_output.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <string>

using stress_testing::metrics::histogram;
using stress_testing::metrics::percentile_distribution_text;
namespace detail = stress_testing::metrics::detail;

TEST_SUITE("metrics") {
  TEST_CASE("percentile distribution text equals HdrHistogram's output character for character") {
    // Known answer: hdr-histogram-js 3.0.1 (HdrHistogram's JavaScript port), the same values
    // recorded into build({1, 3600000000, 3 digits}), outputPercentileDistribution(5, 1000).
    histogram h(1, 3'600'000'000, 3);
    for (std::int64_t v = 1; v <= 100; ++v) h.record_value(v);
    h.record_values(1'000, 50);
    h.record_value(100'000'000);
    const std::string expected =
        "       Value     Percentile TotalCount 1/(1-Percentile)\n"
        "\n"
        "       0.001 0.000000000000          1           1.00\n"
        "       0.016 0.100000000000         16           1.11\n"
        "       0.031 0.200000000000         31           1.25\n"
        "       0.046 0.300000000000         46           1.43\n"
        "       0.061 0.400000000000         61           1.67\n"
        "       0.076 0.500000000000         76           2.00\n"
        "       0.084 0.550000000000         84           2.22\n"
        "       0.091 0.600000000000         91           2.50\n"
        "       0.099 0.650000000000         99           2.86\n"
        "       1.000 0.700000000000        150           3.33\n"
        "       1.000 0.750000000000        150           4.00\n"
        "       1.000 0.775000000000        150           4.44\n"
        "       1.000 0.800000000000        150           5.00\n"
        "       1.000 0.825000000000        150           5.71\n"
        "       1.000 0.850000000000        150           6.67\n"
        "       1.000 0.875000000000        150           8.00\n"
        "       1.000 0.887500000000        150           8.89\n"
        "       1.000 0.900000000000        150          10.00\n"
        "       1.000 0.912500000000        150          11.43\n"
        "       1.000 0.925000000000        150          13.33\n"
        "       1.000 0.937500000000        150          16.00\n"
        "       1.000 0.943750000000        150          17.78\n"
        "       1.000 0.950000000000        150          20.00\n"
        "       1.000 0.956250000000        150          22.86\n"
        "       1.000 0.962500000000        150          26.67\n"
        "       1.000 0.968750000000        150          32.00\n"
        "       1.000 0.971875000000        150          35.56\n"
        "       1.000 0.975000000000        150          40.00\n"
        "       1.000 0.978125000000        150          45.71\n"
        "       1.000 0.981250000000        150          53.33\n"
        "       1.000 0.984375000000        150          64.00\n"
        "       1.000 0.985937500000        150          71.11\n"
        "       1.000 0.987500000000        150          80.00\n"
        "       1.000 0.989062500000        150          91.43\n"
        "       1.000 0.990625000000        150         106.67\n"
        "       1.000 0.992187500000        150         128.00\n"
        "       1.000 0.992968750000        150         142.22\n"
        "  100007.935 0.993750000000        151         160.00\n"
        "  100007.935 1.000000000000        151\n"
        "#[Mean    =      662.452, StdDeviation   =     8108.849]\n"
        "#[Max     =   100000.000, Total count    =          151]\n"
        "#[Buckets =           22, SubBuckets     =         2048]\n";
    CHECK(percentile_distribution_text(h, 5, 1'000.0) == expected);
  }

  TEST_CASE("percentile distribution text of an empty histogram is header and footer") {
    const std::string text = percentile_distribution_text(histogram(1, 1'000, 2));
    CHECK(text ==
          "       Value     Percentile TotalCount 1/(1-Percentile)\n\n"
          "#[Mean    =         0.00, StdDeviation   =         0.00]\n"
          "#[Max     =         0.00, Total count    =            0]\n"
          "#[Buckets =            3, SubBuckets     =          256]\n");
    CHECK_THROWS_AS((void)percentile_distribution_text(histogram(1, 1'000, 2), 0), std::invalid_argument);
  }

  TEST_CASE("fixed point text rounds ties away from zero as HdrHistogram's printers do") {
    CHECK(detail::fixed_half_up(1.0625, 3) == "1.063");  // an exact binary tie; printf gives 1.062
    CHECK(detail::fixed_half_up(0.125, 2) == "0.13");
    CHECK(detail::fixed_half_up(2.5, 0) == "3");
    CHECK(detail::fixed_half_up(9.9995, 3) == "9.999");  // 9.99949999... in binary: not a tie
    CHECK(detail::fixed_half_up(9.9996, 3) == "10.000");
    CHECK(detail::fixed_half_up(-1.0625, 3) == "-1.063");
    CHECK(detail::fixed_half_up(-0.0001, 2) == "0.00");
    CHECK(detail::fixed_half_up(0.0, 12) == "0.000000000000");
    CHECK(detail::fixed_half_up(123456789.0, 0) == "123456789");
  }
}
