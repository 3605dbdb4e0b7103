// Builders for alerts and policies used by the engine tests.

#ifndef AUTOHEAL_TESTS_ENGINE_TEST_UTIL_H_
#define AUTOHEAL_TESTS_ENGINE_TEST_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "autoheal/alert.h"
#include "autoheal/options.h"

namespace autoheal {
namespace testutil {

// A firing alert named `alertname`, opted in with autoheal: "true".
inline Alert FiringAlert(const std::string& alertname,
                         std::vector<LabelSet::Entry> extra_labels = {}) {
  Alert alert;
  alert.status = AlertStatus::kFiring;
  extra_labels.emplace_back("alertname", alertname);
  alert.labels = LabelSet(std::move(extra_labels));
  alert.annotations = LabelSet({{"autoheal", "true"}, {"summary", "test"}});
  alert.fingerprint = "0123456789abcdef";
  return alert;
}

inline Action MakeAction(const std::string& alertname, const std::string& name,
                         std::vector<std::string> key_labels = {}) {
  Action action;
  action.alertname = alertname;
  action.name = name;
  action.argv = {"/usr/bin/true"};
  action.key_labels = std::move(key_labels);
  return action;
}

}  // namespace testutil
}  // namespace autoheal

#endif  // AUTOHEAL_TESTS_ENGINE_TEST_UTIL_H_
