// Hostile input for every `autoheal lint` reader: every node of a valid file
// replaced by every other type, random byte damage, deep nesting, alias
// bombs and oversized files. Each reader must return findings (never throw
// or crash), and every finding must name its file and line.
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "core/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lint/alertmanager.h"
#include "lint/compose.h"
#include "lint/file_reader.h"
#include "lint/rules.h"
#include "lint_test_util.h"
#include "yaml-cpp/yaml.h"

namespace autoheal {
namespace lint {
namespace {

constexpr char kCompose[] =
    "x-env: &env\n"
    "  AUTOHEAL_ENABLED: \"false\"\n"
    "services:\n"
    "  autoheal:\n"
    "    image: autoheal\n"
    "    container_name: heal\n"
    "    hostname: healer\n"
    "    environment:\n"
    "      <<: *env\n"
    "      OTHER: ${X:-1}\n"
    "    env_file:\n"
    "      - a.env\n"
    "      - path: b.env\n"
    "        required: false\n"
    "    networks:\n"
    "      backend:\n"
    "        aliases: [heal]\n"
    "  web:\n"
    "    environment:\n"
    "      - AUTOHEAL_ENABLED=0\n";

constexpr char kAlertmanager[] =
    "route: {receiver: autoheal}\n"
    "receivers:\n"
    "  - name: autoheal\n"
    "    webhook_configs:\n"
    "      - url: http://127.0.0.1:9009/alerts\n"
    "        send_resolved: true\n"
    "      - url_file: /etc/url\n";

constexpr char kRules[] =
    "groups:\n"
    "  - name: autoheal\n"
    "    rules:\n"
    "      - alert: TcpEndpointDownFast\n"
    "        expr: probe_success == 0\n"
    "        for: 1m\n"
    "        labels: {autoheal: \"true\"}\n"
    "        annotations:\n"
    "          autoheal: \"true\"\n"
    "          runbook_url: https://runbooks/tcp\n";

using Reader = std::function<std::vector<Finding>(const std::string&)>;

std::vector<Finding> ComposeReader(const std::string& text) {
  MemoryFileReader files(std::map<std::string, std::string>{
      {"a.env", "AUTOHEAL_ENABLED=false\n"}});
  return LintCompose(text, "compose.yml", files).findings;
}

std::vector<Finding> AlertmanagerReader(const std::string& text) {
  AllowedHosts hosts;
  hosts.compose_services = {"autoheal"};
  return LintAlertmanager(text, "am.yml", hosts);
}

std::vector<Finding> RulesReader(const std::string& text) {
  EngineOptions policy;
  return LintRules(text, "rules.yml", &policy).findings;
}

struct ReaderCase {
  const char* name;
  const char* text;
  Reader reader;
  const char* file;
};

std::vector<ReaderCase> Readers() {
  return {{"compose", kCompose, ComposeReader, "compose.yml"},
          {"alertmanager", kAlertmanager, AlertmanagerReader, "am.yml"},
          {"rules", kRules, RulesReader, "rules.yml"}};
}

// Checks what every finding must carry.
void ExpectWellFormed(const std::vector<Finding>& findings,
                      const ReaderCase& c, const std::string& input) {
  for (const Finding& f : findings) {
    EXPECT_FALSE(f.rule.empty()) << input;
    EXPECT_FALSE(f.message.empty()) << input;
    EXPECT_GE(f.line, 1) << c.name << ": " << f.message << "\n" << input;
    EXPECT_TRUE(f.file == c.file || f.file == "a.env" || f.file == "b.env")
        << f.file;
    if (f.rule == rule::kParseError || absl::EndsWith(f.rule, "-invalid")) {
      EXPECT_TRUE(f.parse_error) << f.rule;
    }
  }
}

// Calls `visit` on the node (keys included) numbered `target` in pre-order;
// returns the number of nodes seen.
int VisitNth(YAML::Node node, int target, int* counter,
             const std::function<void(YAML::Node)>& visit) {
  if ((*counter)++ == target) visit(node);
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      VisitNth(it->first, target, counter, visit);
      VisitNth(it->second, target, counter, visit);
    }
  } else if (node.IsSequence()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      VisitNth(*it, target, counter, visit);
    }
  }
  return *counter;
}

TEST(LintRobustnessTest, EveryNodeReplacedByEveryOtherType) {
  const std::vector<std::string> replacements = {
      "scalar", "[1, [2]]", "{a: {b: 1}}", "~", "\"\"", "[]", "{}"};
  for (const ReaderCase& c : Readers()) {
    int total = 0;
    VisitNth(YAML::Load(c.text), -1, &total, [](YAML::Node) {});
    ASSERT_GT(total, 10) << c.name;
    int mutants = 0;
    for (int target = 0; target < total; ++target) {
      for (const std::string& replacement : replacements) {
        YAML::Node root = YAML::Clone(YAML::Load(c.text));
        int counter = 0;
        VisitNth(root, target, &counter, [&](YAML::Node node) {
          node = YAML::Load(replacement);
        });
        const std::string text = YAML::Dump(root);
        ExpectWellFormed(c.reader(text), c, text);
        ++mutants;
      }
    }
    EXPECT_GT(mutants, 70) << c.name;
  }
}

TEST(LintRobustnessTest, RandomByteDamage) {
  const std::string specials = ":-[]{}&*!|>'\"#%@`,?\n\t \\$<";
  std::mt19937 random(20240611);
  for (const ReaderCase& c : Readers()) {
    for (int i = 0; i < 1500; ++i) {
      std::string text = c.text;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits; ++e) {
        size_t at = random() % text.size();
        switch (random() % 4) {
          case 0:
            text[at] = specials[random() % specials.size()];
            break;
          case 1:
            text[at] = static_cast<char>(random() % 256);
            break;
          case 2:
            text.insert(at, 1, specials[random() % specials.size()]);
            break;
          default:
            text.erase(at, 1 + random() % 8);
            break;
        }
        if (text.empty()) text = "x";
      }
      ExpectWellFormed(c.reader(text), c, text);
    }
  }
}

// yaml-cpp 0.7 never consumes a stray ',' outside a flow collection
// (jbeder/yaml-cpp#1040) and loaded documents forever: lint hung on it.
TEST(LintRobustnessTest, AStrayCommaIsAParseErrorNotAHang) {
  for (const ReaderCase& reader : Readers()) {
    for (const std::string text : {",", ",\n,\n", "- x\n, y\n"}) {
      std::vector<Finding> findings = reader.reader(text);
      ASSERT_FALSE(findings.empty()) << reader.name << ": " << text;
      EXPECT_TRUE(findings[0].parse_error) << reader.name;
      EXPECT_THAT(findings[0].message, ::testing::HasSubstr("','"))
          << reader.name << ": " << text;
    }
  }
}

// Found by fuzz_lint_alertmanager: yaml-cpp's own message quotes the byte
// after a backslash ("unknown escape character: \xff"), raw.
TEST(LintRobustnessTest, YamlErrorsThatQuoteARawByteStayValidUtf8) {
  for (const ReaderCase& reader : Readers()) {
    const std::string text = "x: \"\\\xff\"\n";
    const std::vector<Finding> findings = reader.reader(text);
    ASSERT_FALSE(findings.empty()) << reader.name;
    EXPECT_THAT(findings[0].message,
                ::testing::HasSubstr("unknown escape character: \\xff"))
        << reader.name;
    EXPECT_TRUE(internal::IsValidUtf8(findings[0].message)) << reader.name;
  }
}

// Found by fuzz_lint_*: a quoted value of malformed UTF-8 made the message,
// and so the JSON and GitHub output, malformed UTF-8 too.
TEST(LintRobustnessTest, MessagesStayValidUtf8WhateverTheInput) {
  EXPECT_EQ(EscapeText("ok \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "ok \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(EscapeText("\xEE\xEE\xFF\xC0\xAF\xED\xA0\x80\n\""),
            "\\xee\\xee\\xff\\xc0\\xaf\\xed\\xa0\\x80\\n\\\"");
  for (const ReaderCase& reader : Readers()) {
    std::string text = std::string(reader.text) + "\nx: \"\xEE\xEE\xEE\"\n";
    for (const Finding& f : reader.reader(text)) {
      EXPECT_TRUE(absl::StrContains(f.message, "\xEE") == false)
          << reader.name << ": " << f.message;
    }
  }
}

TEST(LintRobustnessTest, ManyDocumentsAreAParseError) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "---\na: 1\n";
  for (const ReaderCase& reader : Readers()) {
    std::vector<Finding> findings = reader.reader(text);
    ASSERT_FALSE(findings.empty()) << reader.name;
    EXPECT_THAT(findings[0].message,
                ::testing::HasSubstr("more than 64 YAML documents"));
  }
}

TEST(LintRobustnessTest, DeepNestingIsAParseErrorNotACrash) {
  for (const ReaderCase& c : Readers()) {
    for (const std::string& text :
         {std::string(100000, '[') + std::string(100000, ']'),
          std::string(100000, '{'), std::string("a: ") + std::string(50000, '[')}) {
      std::vector<Finding> findings = c.reader(text);
      ASSERT_EQ(findings.size(), 1u) << c.name;
      EXPECT_EQ(findings[0].rule, rule::kParseError);
      EXPECT_GE(findings[0].line, 1);
    }
    std::string block;
    for (int depth = 0; depth < 3000; ++depth) {
      block += std::string(depth, ' ') + "k:\n";
    }
    ExpectWellFormed(c.reader(block), c, "(3000 nested mappings)");
  }
}

TEST(LintRobustnessTest, AliasBombsStayCheap) {
  // 2^40 nodes if aliases were expanded.
  std::string lists = "a0: &a0 [AUTOHEAL_ENABLED=true]\n";
  std::string maps = "m0: &m0 {AUTOHEAL_ENABLED: \"true\", url: http://x/}\n";
  for (int i = 1; i <= 40; ++i) {
    const std::string n = std::to_string(i);
    const std::string p = std::to_string(i - 1);
    lists += "a" + n + ": &a" + n + " [*a" + p + ", *a" + p + "]\n";
    maps += "m" + n + ": &m" + n + " {<<: [*m" + p + ", *m" + p + "]}\n";
  }
  for (const ReaderCase& c : Readers()) {
    for (const std::string& text :
         {lists + "services: {api: {environment: *a40}}\nreceivers: *a40\n"
                  "groups: *a40\n",
          maps + "services: {api: *m40}\nreceivers: [{webhook_configs: [*m40]}]\n"
                 "groups: [{rules: [*m40]}]\n"}) {
      ExpectWellFormed(c.reader(text), c, "(alias bomb)");
    }
  }
}

TEST(LintRobustnessTest, OversizedTextIsRefused) {
  std::string huge(kMaxFileBytes + 1, '#');
  for (const ReaderCase& c : Readers()) {
    std::vector<Finding> findings = c.reader(huge);
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].rule, rule::kParseError);
    EXPECT_THAT(findings[0].message, testing::HasSubstr("too large"));
  }
}

TEST(LintRobustnessTest, ManyServicesAreEachChecked) {
  std::string text = "services:\n";
  for (int i = 0; i < 5000; ++i) {
    text += "  s" + std::to_string(i) + ":\n    environment: [AUTOHEAL_ENABLED=" +
            (i % 2 == 0 ? "true" : "false") + "]\n";
  }
  std::vector<Finding> findings = ComposeReader(text);
  EXPECT_EQ(findings.size(), 2500u);
}

}  // namespace
}  // namespace lint
}  // namespace autoheal
