#ifndef STRESS_TESTING_TARGET_ANY_TARGET_HPP
#define STRESS_TESTING_TARGET_ANY_TARGET_HPP

#include <stress_testing/target/async_target.hpp>
#include <stress_testing/target/request_result.hpp>
#include <stress_testing/target/target_report.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/consign.hpp>

#include <concepts>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

namespace stress_testing::target {

/** A type-erased `async_target`: what the orchestrator and configuration-built scenarios hold
    when the kind of target is only known at run time (HTTP, function, failure injector...).

    A cheap copyable handle: copies share the one wrapped target (like `std::shared_ptr`), so
    decorators and workers can hold it without copying connection pools. `any_target` models
    `async_target` itself.

    `async_request(sequence, token)` forwards to the wrapped target's `async_request`, with the
    same completion signature `request_signature`, the same cancellation behaviour (the
    handler's cancellation slot, executor and allocator are forwarded through
    `asio::any_completion_handler`) and the same thread-safety as the wrapped target. Costs one
    virtual call and one allocation for the type-erased handler per request.

    Lifetimes: every outstanding operation keeps the wrapped target alive, so the handle may be
    destroyed while requests are in flight. */
class any_target {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// Wraps `target` (moved into shared state). Any `async_target` except `any_target` itself.
  template <class Target>
    requires(!std::same_as<std::remove_cvref_t<Target>, any_target>) && async_target<std::remove_cvref_t<Target>>
  any_target(Target&& target)  // NOLINT(google-explicit-constructor): a wrapper, like std::function
      : impl_(std::make_shared<model<std::remove_cvref_t<Target>>>(std::forward<Target>(target))) {}

  /// The wrapped target's executor, as an `any_io_executor`.
  executor_type get_executor() const noexcept { return impl_->executor(); }

  /** Starts request `sequence` on the wrapped target. Completion signature `request_signature`;
      cancellation and threading are those of the wrapped target. */
  template <boost::asio::completion_token_for<request_signature> CompletionToken>
  auto async_request(std::uint64_t sequence, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, request_signature>(initiate_request{impl_}, token, sequence);
  }

  /// The wrapped target if it is a `Target`, else nullptr (like `std::function::target`).
  /** The wrapped target's report (`target/target_report.hpp`), when its type has one: so a run of
      type-erased targets still gets their counters, agents and first failure causes. */
  friend void report_into(const any_target& t, target_report& r) { t.impl_->report(r); }

  template <class Target>
  Target* target() noexcept {
    auto* m = dynamic_cast<model<Target>*>(impl_.get());
    return m != nullptr ? &m->target : nullptr;
  }

 private:
  using handler_type = boost::asio::any_completion_handler<request_signature>;

  struct concept_base {
    concept_base() = default;
    concept_base(const concept_base&) = delete;
    concept_base& operator=(const concept_base&) = delete;
    virtual ~concept_base() = default;
    virtual executor_type executor() const noexcept = 0;
    // `self` is the shared state itself: the operation holds it until it completes.
    virtual void start(std::uint64_t sequence, handler_type handler, std::shared_ptr<concept_base> self) = 0;
    virtual void report(target_report& r) const = 0;
  };

  template <class Target>
  struct model final : concept_base {
    template <class T>
    explicit model(T&& t) : target(std::forward<T>(t)) {}

    executor_type executor() const noexcept override { return target.get_executor(); }

    void start(std::uint64_t sequence, handler_type handler, std::shared_ptr<concept_base> self) override {
      target.async_request(sequence, boost::asio::consign(std::move(handler), std::move(self)));
    }

    void report(target_report& r) const override {
      if constexpr (reporting_target<Target>) report_into(target, r);
    }

    Target target;
  };

  struct initiate_request {
    std::shared_ptr<concept_base> impl;

    using executor_type = boost::asio::any_io_executor;
    executor_type get_executor() const noexcept { return impl->executor(); }

    template <class Handler>
    void operator()(Handler&& handler, std::uint64_t sequence) const {
      impl->start(sequence, handler_type(std::forward<Handler>(handler)), impl);
    }
  };

  std::shared_ptr<concept_base> impl_;
};

static_assert(async_target<any_target>);

}  // namespace stress_testing::target

#endif
