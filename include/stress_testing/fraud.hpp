#ifndef STRESS_TESTING_FRAUD_HPP
#define STRESS_TESTING_FRAUD_HPP

/// The fraud workload, pure layer: transactions and their wire form, the seeded transaction
/// generator, and the business tally (docs/fraud_workload.md, docs/fraud_wire_format.md).

#include <stress_testing/fraud/business.hpp>
#include <stress_testing/fraud/generator.hpp>
#include <stress_testing/fraud/transaction.hpp>

#endif
