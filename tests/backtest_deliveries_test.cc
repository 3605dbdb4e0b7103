// Unit tests of the backtest's pure parts: where a gap ends a firing, and
// when Alertmanager's timing delivers. No I/O, no clock, no sleeps.
#include <vector>

#include "backtest/deliveries.h"
#include "backtest/history.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace autoheal {
namespace backtest {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1793491200);

SeriesSamples Samples(std::vector<int> seconds) {
  SeriesSamples s;
  s.labels = LabelSet({{"alertname", "A"}, {"instance", "x"}});
  for (int t : seconds) s.times.push_back(kT0 + absl::Seconds(t));
  return s;
}

TEST(ExtractFiringsTest, GapOfExactlyTwoAndAHalfIntervalsKeepsTheFiring) {
  // Evaluations every 60 s; 150 s is kGapIntervals * 60 s.
  auto h = ExtractFirings({Samples({0, 60, 120, 270, 330, 390})}, kT0,
                          kT0 + absl::Hours(1));
  ASSERT_EQ(h.size(), 1u);
  ASSERT_EQ(h[0].firings.size(), 1u);
  EXPECT_EQ(h[0].firings[0].end, kT0 + absl::Seconds(450));
  EXPECT_FALSE(h[0].firings[0].open_at_end);
}

TEST(ExtractFiringsTest, GapOneSecondLongerEndsTheFiring) {
  auto h = ExtractFirings({Samples({0, 60, 120, 271, 331, 391})}, kT0,
                          kT0 + absl::Hours(1));
  ASSERT_EQ(h.size(), 1u);
  ASSERT_EQ(h[0].firings.size(), 2u);
  EXPECT_EQ(h[0].firings[0].end, kT0 + absl::Seconds(180));
  EXPECT_EQ(h[0].firings[1].start, kT0 + absl::Seconds(271));
}

TEST(ExtractFiringsTest, FiringsCutByTheRangeAreMarked) {
  auto h = ExtractFirings({Samples({-120, -60, 0, 60, 3540, 3600})}, kT0,
                          kT0 + absl::Hours(1));
  ASSERT_EQ(h[0].firings.size(), 2u);
  EXPECT_TRUE(h[0].firings[0].began_before_start);
  EXPECT_EQ(h[0].firings[0].start, kT0);
  EXPECT_TRUE(h[0].firings[1].open_at_end);
}

class OneRoute final : public Router {
 public:
  std::vector<RouteTiming> Route(const LabelSet&) const override {
    RouteTiming t;
    t.id = "route.routes[0]";
    t.group_by = {"alertname"};
    t.repeat_interval = absl::Hours(1);
    return {t};
  }
};

TEST(AlertmanagerDeliveriesTest, RepeatLeavesAtTheFirstCheckMoreThanRepeatLater) {
  AlertHistory h;
  h.labels = LabelSet({{"alertname", "A"}});
  h.alertname = "A";
  h.firings.push_back({kT0, kT0 + absl::Hours(3), false, true});
  AlertmanagerPlan plan =
      AlertmanagerDeliveries({h}, OneRoute(), kT0 + absl::Hours(3));
  std::vector<absl::Duration> at;
  for (const Delivery& d : plan.deliveries) at.push_back(d.time - kT0);
  EXPECT_THAT(at, ::testing::ElementsAre(
                      absl::Seconds(30), absl::Seconds(3930),  // 1:05:30
                      absl::Seconds(7830)));                   // 2:10:30
}

TEST(AlertmanagerDeliveriesTest, ResolvedIsSentOnceAndANewGroupWaitsAgain) {
  AlertHistory h;
  h.labels = LabelSet({{"alertname", "A"}});
  h.alertname = "A";
  h.firings.push_back({kT0, kT0 + absl::Minutes(7), false, false});
  h.firings.push_back(
      {kT0 + absl::Minutes(20), kT0 + absl::Minutes(21), false, false});
  AlertmanagerPlan plan =
      AlertmanagerDeliveries({h}, OneRoute(), kT0 + absl::Hours(1));
  ASSERT_EQ(plan.deliveries.size(), 4u);
  EXPECT_EQ(plan.deliveries[1].time, kT0 + absl::Seconds(630));  // 10:30
  EXPECT_EQ(plan.deliveries[1].alerts[0].second, AlertStatus::kResolved);
  EXPECT_EQ(plan.deliveries[2].time, kT0 + absl::Seconds(1230));  // 20:30
  EXPECT_EQ(plan.deliveries[3].alerts[0].second, AlertStatus::kResolved);
}

TEST(PerAlertDeliveriesTest, StartRepeatAndResolution) {
  AlertHistory h;
  h.alertname = "A";
  h.firings.push_back({kT0, kT0 + absl::Hours(9), false, false});
  std::vector<Delivery> d =
      PerAlertDeliveries({h}, absl::Hours(4), kT0 + absl::Hours(24));
  ASSERT_EQ(d.size(), 4u);  // 0h, 4h, 8h firing; 9h resolved
  EXPECT_EQ(d[2].time, kT0 + absl::Hours(8));
  EXPECT_EQ(d[3].alerts[0].second, AlertStatus::kResolved);
}

}  // namespace
}  // namespace backtest
}  // namespace autoheal
