#ifndef FRAUD_SERVICE_ERROR_HPP
#define FRAUD_SERVICE_ERROR_HPP

// The errors of `fraud_service::server::start`, as a Boost.System error category.

#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace fraud_service {

/** Errors of `server::start`. */
enum class error {
  non_loopback_listen = 1,  ///< `listen` is not a loopback address and `allow_non_loopback` is off
  already_started,          ///< `start` was called twice
  stopped,                  ///< `start` after `stop`
};

namespace detail {
class error_category_impl : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "fraud_service"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::non_loopback_listen:
        return "refusing to listen on a non-loopback address (set service_options::allow_non_loopback)";
      case error::already_started: return "the server was already started";
      case error::stopped: return "the server was stopped";
    }
    return "unknown fraud_service error";
  }
};
}  // namespace detail

/// The category of `fraud_service::error`.
inline const boost::system::error_category& error_category() noexcept {
  static const detail::error_category_impl category;
  return category;
}

inline boost::system::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace fraud_service

template <>
struct boost::system::is_error_code_enum<fraud_service::error> : std::true_type {};

#endif
