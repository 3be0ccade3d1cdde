#ifndef STRESS_TESTING_METRICS_HPP
#define STRESS_TESTING_METRICS_HPP

/// The metrics accumulators: histogram, outcome counters, interval recorder and snapshots,
/// process usage, derivation of the seed's SystemMetrics, and the metric name table.

#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/metrics/metric_names.hpp>
#include <stress_testing/metrics/outcome_counters.hpp>
#include <stress_testing/metrics/process_usage.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/metrics/system_metrics.hpp>

#endif
