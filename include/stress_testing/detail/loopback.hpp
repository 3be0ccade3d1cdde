#ifndef STRESS_TESTING_DETAIL_LOOPBACK_HPP
#define STRESS_TESTING_DETAIL_LOOPBACK_HPP

/** The project's network-safety rule in one place: an address counts as loopback when it is in
    127.0.0.0/8, is ::1, or is an IPv4-mapped IPv6 address of 127.0.0.0/8 (::ffff:127.0.0.1, which
    Asio's `is_loopback()` alone does not accept). Used by everything that listens or connects:
    the HTTP target, the fault proxy and its control API, the dashboard server. */

#include <boost/asio/ip/address.hpp>

namespace stress_testing::detail {

inline bool is_loopback_address(const boost::asio::ip::address& a) noexcept {
  if (a.is_loopback()) return true;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()).is_loopback();
  return false;
}

}  // namespace stress_testing::detail

#endif
