// `autoheal state list` and `autoheal state clear`, on an in-memory store
// with a latched key, a memory audit sink and a store fault switch.
#include "cli/state_command.h"

#include <sstream>
#include <string>

#include "autoheal/cooldown_store.h"
#include "autoheal/in_memory_cooldown_store.h"
#include "autoheal/testing/faulty_cooldown_store.h"
#include "autoheal/testing/memory_audit_sink.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace autoheal {
namespace cli {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

class StateCommandTest : public ::testing::Test {
 protected:
  StateCommandTest() : faulty_(&store_) {}

  // Latches `key`: one execution, then a firing after the cooldown with a
  // flap limit of 1.
  void Latch(absl::string_view key) {
    AcquireRequest request;
    request.key = key;
    request.now = kNow - absl::Minutes(5);
    request.cooldown = absl::Minutes(1);
    request.flap = {1, absl::Hours(1)};
    ASSERT_TRUE(store_.Acquire(request)->acquired());
    request.now = kNow;
    ASSERT_EQ(store_.Acquire(request)->outcome, AcquireOutcome::kEscalated);
  }

  InMemoryCooldownStore store_;
  testing::FaultyCooldownStore faulty_;
  testing::MemoryAuditSink audit_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(StateCommandTest, ListShowsLatchedKeysEscapedWithWhenTheyOpen) {
  EXPECT_EQ(ListEscalations(faulty_, kNow, out_, err_), kStateOk);
  EXPECT_EQ(out_.str(), "no escalated keys\n");
  Latch(std::string("ah1|live|3:a\nb", 14));
  out_.str("");
  EXPECT_EQ(ListEscalations(faulty_, kNow, out_, err_), kStateOk);
  EXPECT_EQ(out_.str(),
            "ah1|live|3:a\\nb  escalated; opens by itself at "
            "2027-01-15T09:00:00Z if it stays quiet\n");
}

TEST_F(StateCommandTest, ClearOpensTheLatchAndIsAudited) {
  Latch("k");
  EXPECT_EQ(ClearEscalation(faulty_, "k", &audit_, kNow, out_, err_), kStateOk);
  EXPECT_THAT(out_.str(), HasSubstr("k: escalation cleared"));
  ASSERT_EQ(audit_.entries().size(), 1u);
  EXPECT_EQ(audit_.entries()[0].type, testing::AuditEntry::Type::kStateClear);
  EXPECT_TRUE(audit_.entries()[0].was_latched);
  EXPECT_TRUE(store_.ListEscalated(kNow, 10)->empty());
  out_.str("");
  EXPECT_EQ(ClearEscalation(faulty_, "k", nullptr, kNow, out_, err_), kStateOk);
  EXPECT_THAT(out_.str(), HasSubstr("k: was not escalated"));
}

TEST_F(StateCommandTest, AnUnreachableStoreChangesNothingAndSaysSo) {
  Latch("k");
  faulty_.set_down(true);
  EXPECT_EQ(ListEscalations(faulty_, kNow, out_, err_), kStateUnavailable);
  EXPECT_EQ(ClearEscalation(faulty_, "k", &audit_, kNow, out_, err_),
            kStateUnavailable);
  EXPECT_THAT(err_.str(), HasSubstr("state store unavailable"));
  EXPECT_TRUE(audit_.entries().empty());
  EXPECT_EQ(store_.ListEscalated(kNow, 10)->size(), 1u);
}

TEST_F(StateCommandTest, AFailedAuditAfterTheClearIsReported) {
  Latch("k");
  audit_.set_down(true);
  EXPECT_EQ(ClearEscalation(faulty_, "k", &audit_, kNow, out_, err_),
            kStateUnavailable);
  EXPECT_THAT(err_.str(), HasSubstr("cleared, but the audit record failed"));
}

}  // namespace
}  // namespace cli
}  // namespace autoheal
