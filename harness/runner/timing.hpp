#pragma once
/// The run's --timeout-scale, in one place: every wait of a run (a case's timers, the
/// handshake and closing timeouts, the runner's own waits) is a number of seconds the cases or
/// the settings give, stretched here. Reasons quote the stretched figure, which is the time
/// actually waited.

#include <chrono>

namespace wsconform::runner {

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
        return std::chrono::duration_cast<std::chrono::steady_clock::duration>(scaled(s));
    }
    /// `s` as waited in this run, in whole milliseconds (connect and closing timeouts).
    constexpr std::chrono::milliseconds ms(std::chrono::duration<double> s) const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(steady(s));
    }

  private:
    double factor_ = 1.0;
};

} // namespace wsconform::runner
