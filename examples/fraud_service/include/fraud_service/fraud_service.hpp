#ifndef FRAUD_SERVICE_FRAUD_SERVICE_HPP
#define FRAUD_SERVICE_FRAUD_SERVICE_HPP

// The sample multi-agent fraud-detection service: an HTTP/1.1 server speaking
// docs/fraud_wire_format.md, for the demo (`stress-run serve-fraud`), the integration tests, and
// as an example of a service under test. Link the `stress_testing_fraud_service` library.
//
// Layers, bottom to top (all but the last are plain code without I/O and can be driven with a
// fake clock):
//   transaction.hpp  `transaction` and `parse_transaction`: the request body, validated field by field.
//   agents.hpp       the four agents' scoring: `rules_score`, `ml_score`, `geo_velocity_table`, `device_table`.
//   options.hpp      `service_options`, `agent_config`, and the faults injected at run time.
//   scoring.hpp      `orchestrator`: every agent on a transaction, each agent's simulated latency and
//                    failure from its own seeded stream, the weighted noisy-OR of the votes left.
//   capacity.hpp     `capacity_model`: processing slots and a FIFO queue in virtual time (an exact
//                    M/G/c queue with a bounded waiting room).
//   server.hpp       `server`: HTTP/1.1 on stress_testing's loopback server core; a scored request
//                    waits on ONE steady_timer until its queue wait plus processing time have passed.

#include <fraud_service/agents.hpp>
#include <fraud_service/capacity.hpp>
#include <fraud_service/error.hpp>
#include <fraud_service/options.hpp>
#include <fraud_service/scoring.hpp>
#include <fraud_service/server.hpp>
#include <fraud_service/transaction.hpp>

#endif
