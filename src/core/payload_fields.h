// The fields of an Alertmanager webhook message that autoheal knows, by
// name: one table for the full parser (src/core/payload.cc) and the simdjson
// fast path (src/receiver/fast_payload.cc), so that both read the same
// fields. Each field names one bit of a "seen" mask, which is how both catch
// a repeated known field.
//
// Internal to autoheal (a private header of src/, never installed). Thread
// safety: constants and pure functions.

#ifndef AUTOHEAL_CORE_PAYLOAD_FIELDS_H_
#define AUTOHEAL_CORE_PAYLOAD_FIELDS_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace autoheal {
namespace internal {

// There must stay fewer than 32 (bits of a uint32_t mask).
enum class PayloadField : uint8_t {
  kUnknown,
  // Message fields.
  kVersion,
  kAlerts,
  kReceiver,
  kStatus,
  kGroupLabels,
  kCommonLabels,
  kCommonAnnotations,
  kExternalUrl,
  kGroupKey,
  kTruncatedAlerts,
  // Alert fields (kStatus is shared).
  kLabels,
  kAnnotations,
  kStartsAt,
  kEndsAt,
  kGeneratorUrl,
  kFingerprint,
};

struct PayloadFieldSpec {
  absl::string_view name;
  PayloadField field;
};

inline constexpr PayloadFieldSpec kMessageFields[] = {
    {"version", PayloadField::kVersion},
    {"alerts", PayloadField::kAlerts},
    {"receiver", PayloadField::kReceiver},
    {"status", PayloadField::kStatus},
    {"groupLabels", PayloadField::kGroupLabels},
    {"commonLabels", PayloadField::kCommonLabels},
    {"commonAnnotations", PayloadField::kCommonAnnotations},
    {"externalURL", PayloadField::kExternalUrl},
    {"groupKey", PayloadField::kGroupKey},
    {"truncatedAlerts", PayloadField::kTruncatedAlerts},
};

inline constexpr PayloadFieldSpec kAlertFields[] = {
    {"status", PayloadField::kStatus},
    {"labels", PayloadField::kLabels},
    {"annotations", PayloadField::kAnnotations},
    {"startsAt", PayloadField::kStartsAt},
    {"endsAt", PayloadField::kEndsAt},
    {"generatorURL", PayloadField::kGeneratorUrl},
    {"fingerprint", PayloadField::kFingerprint},
};

// Returns the message field named `key`, or kUnknown.
inline PayloadField MessageField(absl::string_view key) {
  for (const PayloadFieldSpec& spec : kMessageFields) {
    if (spec.name == key) return spec.field;
  }
  return PayloadField::kUnknown;
}

// Returns the alert field named `key`, or kUnknown.
inline PayloadField AlertField(absl::string_view key) {
  for (const PayloadFieldSpec& spec : kAlertFields) {
    if (spec.name == key) return spec.field;
  }
  return PayloadField::kUnknown;
}

// Returns the bit of `field` in a "seen" mask.
inline uint32_t FieldBit(PayloadField field) {
  return uint32_t{1} << static_cast<uint32_t>(field);
}

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_CORE_PAYLOAD_FIELDS_H_
