// The one translation unit that compiles Boost.Asio's and Boost.Beast's implementation (and
// Asio's SSL support) for our tests, examples and benchmarks (BOOST_ASIO_SEPARATE_COMPILATION,
// BOOST_BEAST_SEPARATE_COMPILATION): every other TU only includes their declarations. A
// Beast-heavy TU costs ~25 s to compile; this keeps it to one.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
