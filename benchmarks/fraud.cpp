// Cost of the fraud workload's per-request work on the client: building transaction N from its
// sequence number, serialising it to the wire body, reading the decision back, and tallying it.
// The bar is well under 1 µs each, so a worker can feed tens of thousands of requests per second.
#include <stress_testing/fraud.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fr = stress_testing::fraud;

namespace {

// Sequence numbers walk with a stride, as a worker of a pool does.
void BM_fraud_generate(benchmark::State& state) {
  fr::transaction_generator const g{fr::generator_options{}};
  std::uint64_t seq = 0;
  for (auto _ : state) {
    auto tx = g.at(seq);
    benchmark::DoNotOptimize(tx);
    seq += 3;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_fraud_generate);

void BM_fraud_write_json(benchmark::State& state) {
  fr::transaction_generator const g{fr::generator_options{}};
  std::vector<fr::transaction> txs;
  for (std::uint64_t s = 0; s < 4096; ++s) txs.push_back(g.at(s));
  std::string body;
  body.reserve(fr::max_json_size);
  std::size_t i = 0;
  for (auto _ : state) {
    body.clear();
    write_json(txs[i++ & 4095], body);
    benchmark::DoNotOptimize(body.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_fraud_write_json);

// Everything a client does per request except the I/O.
void BM_fraud_request_cycle(benchmark::State& state) {
  fr::transaction_generator const g{fr::generator_options{}};
  fr::business_tally tally;
  std::string body;
  body.reserve(fr::max_json_size);
  constexpr std::string_view response =
      R"({"transaction_id":"tx-000000000000002a","decision":"decline","fraud_score":0.873,)"
      R"("agents":{"rules":{"score":0.9,"ms":1.21}},"degraded":[]})";
  std::uint64_t seq = 0;
  for (auto _ : state) {
    auto const tx = g.at(seq++);
    body.clear();
    write_json(tx, body);
    benchmark::DoNotOptimize(body.data());
    if (auto const d = fr::parse_decision(response))
      tally.record(tx, *d);
    else
      tally.record_unanswered(tx);
  }
  benchmark::DoNotOptimize(tally.counters().answered());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_fraud_request_cycle);

void BM_fraud_parse_decision(benchmark::State& state) {
  std::string response =
      R"({"transaction_id":"tx-000000000000002a","decision":"review","fraud_score":0.873,)"
      R"("agents":{"rules":{"score":0.9,"ms":1.21},"ml":{"score":0.8,"ms":3.4}},"degraded":["ml"]})";
  for (auto _ : state) {
    benchmark::DoNotOptimize(response.data());
    auto const d = fr::parse_decision(response);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_fraud_parse_decision);

}  // namespace
