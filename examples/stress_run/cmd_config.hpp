// `stress-run scenarios` (list the predefined scenarios) and `stress-run config init [--dir DIR]`
// (write a default configuration and the five scenarios).
#ifndef STRESS_RUN_CMD_CONFIG_HPP
#define STRESS_RUN_CMD_CONFIG_HPP

#include <string>

namespace stress_run {

/// `stress-run scenarios` (cmd_config.cpp); the exit code.
int run_scenarios_list();

/// `stress-run config init --dir DIR` (cmd_config.cpp); the exit code.
int run_config_init(const std::string& dir);

}  // namespace stress_run

#endif
