#ifndef STRESS_TESTING_SRC_HPP
#define STRESS_TESTING_SRC_HPP

/** The compiled part of stress_testing, for separate compilation (docs/build.md).

    Include this file in exactly one translation unit of a program, or link the CMake target
    `stress_testing::compiled`, which is that translation unit as a static library. Every
    translation unit of the program must then be compiled with
    `STRESS_TESTING_SEPARATE_COMPILATION` defined (the target defines it for its users), so that
    they see only the declarations of what is compiled here instead of compiling it again.

    Today this is the non-template code of Boost.Asio (with its TLS support) and Boost.Beast, which
    the HTTP target, the fault proxy and the servers use: most of what a translation unit that
    runs a load test spends compiling outside its own templates. The header-only use of the
    library (`stress_testing::stress_testing`, no macro) is unchanged. */

#if !defined(STRESS_TESTING_SEPARATE_COMPILATION)
#error "<stress_testing/src.hpp> needs STRESS_TESTING_SEPARATE_COMPILATION (link stress_testing::compiled, or see docs/build.md)"
#endif

// The Boost libraries' own switches follow ours. A translation unit that defines ours must get
// theirs too, before any Boost header: the target passes all three on the command line.
#if !defined(BOOST_ASIO_SEPARATE_COMPILATION) || !defined(BOOST_BEAST_SEPARATE_COMPILATION)
#error "STRESS_TESTING_SEPARATE_COMPILATION needs BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION defined as well"
#endif

// Asio's configuration macros must be the same here as in every other translation unit: some
// change compiled signatures (BOOST_ASIO_NO_DEPRECATED turns functions that return error_code
// into void ones). The CMake target passes none; add them to the library's build if you use them.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>

#endif
