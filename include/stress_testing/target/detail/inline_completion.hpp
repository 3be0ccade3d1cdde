#ifndef STRESS_TESTING_TARGET_DETAIL_INLINE_COMPLETION_HPP
#define STRESS_TESTING_TARGET_DETAIL_INLINE_COMPLETION_HPP

#include <stress_testing/target/request_result.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace stress_testing::target::detail {

/** Holds one pending completion handler of signature `void(error_code, request_result)`, type
    erased, in inline storage when it fits (the engine's handlers do), so that a target which
    keeps a handler per in-flight request allocates nothing per request. Not copyable or movable:
    it lives in a stable slot of the target. */
class inline_completion {
 public:
  static constexpr std::size_t inline_size = 96;

  inline_completion() = default;
  inline_completion(const inline_completion&) = delete;
  inline_completion& operator=(const inline_completion&) = delete;
  ~inline_completion() { reset(); }

  explicit operator bool() const noexcept { return invoke_ != nullptr; }

  /// Stores `handler` (must be empty).
  template <class Handler>
  void emplace(Handler&& handler) {
    using H = std::decay_t<Handler>;
    if constexpr (sizeof(H) <= inline_size && alignof(H) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<H>) {
      ::new (static_cast<void*>(storage_)) H(std::forward<Handler>(handler));
      object_ = storage_;
      destroy_ = [](void* p) noexcept { static_cast<H*>(p)->~H(); };
    } else {
      object_ = new H(std::forward<Handler>(handler));
      destroy_ = [](void* p) noexcept { delete static_cast<H*>(p); };
    }
    invoke_ = &invoke_impl<H>;
  }

  /** Takes the handler out, runs `before(context)` (the owner releases the slot holding this
      object: it may be reused from inside the handler), then dispatches the handler through its
      associated executor (defaulting to `io_executor`) with `(ec, result)`. Must hold a handler. */
  void complete(const boost::asio::any_io_executor& io_executor, boost::system::error_code ec,
                request_result result, void (*before)(void*) noexcept, void* context) {
    auto invoke = invoke_;
    invoke_ = nullptr;
    invoke(*this, io_executor, ec, result, before, context);
  }

  /// Destroys a stored handler without calling it.
  void reset() noexcept {
    if (invoke_) {
      destroy_(object_);
      invoke_ = nullptr;
    }
  }

 private:
  template <class H>
  static void invoke_impl(inline_completion& self, const boost::asio::any_io_executor& io_executor,
                          boost::system::error_code ec, request_result result, void (*before)(void*) noexcept,
                          void* context) {
    H handler(std::move(*static_cast<H*>(self.object_)));
    self.destroy_(self.object_);
    before(context);  // `self` may be reused from here on
    auto ex = boost::asio::get_associated_executor(handler, io_executor);
    boost::asio::dispatch(ex, boost::asio::append(std::move(handler), ec, result));
  }

  alignas(std::max_align_t) unsigned char storage_[inline_size];
  void* object_ = nullptr;
  void (*destroy_)(void*) noexcept = nullptr;
  void (*invoke_)(inline_completion&, const boost::asio::any_io_executor&, boost::system::error_code,
                  request_result, void (*)(void*) noexcept, void*) = nullptr;
};

}  // namespace stress_testing::target::detail

#endif
