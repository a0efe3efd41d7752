#pragma once
/// The run's --timeout-scale. The run's own waits (session_settings) are stretched once, where
/// the settings are made (session_settings::set_timeout_scale); a case's timers are data of the
/// case and are stretched by the run's clock_scale as they are armed. Reasons quote the
/// stretched figure, which is the time actually waited.

#include <chrono>

namespace wsconform::runner {

/// `s` for a timer.
constexpr std::chrono::steady_clock::duration to_steady(std::chrono::duration<double> s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(s);
}

/// `s` in whole milliseconds, truncated (connect and closing timeouts).
constexpr std::chrono::milliseconds to_ms(std::chrono::duration<double> s) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(to_steady(s));
}

class clock_scale {
  public:
    constexpr clock_scale() = default;
    constexpr explicit clock_scale(double factor) : factor_(factor) {}

    constexpr double factor() const { return factor_; }
    /// `s` as waited in this run.
    constexpr std::chrono::duration<double> scaled(std::chrono::duration<double> s) const {
        return s * factor_;
    }
    /// `s` as waited in this run, for a timer.
    constexpr std::chrono::steady_clock::duration steady(std::chrono::duration<double> s) const {
        return to_steady(scaled(s));
    }

  private:
    double factor_ = 1.0;
};

} // namespace wsconform::runner
