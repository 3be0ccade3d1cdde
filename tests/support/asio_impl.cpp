// The one translation unit that compiles Boost.Asio's implementation for our tests and examples
// (BOOST_ASIO_SEPARATE_COMPILATION): every other TU only includes Asio's declarations.
#include <boost/asio/impl/src.hpp>
