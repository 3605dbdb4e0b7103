#include "net/http_fetch.h"

#include <curl/curl.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace autoheal {
namespace net {
namespace {

// curl_global_init is not thread-safe on every libcurl build: run it once.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      // Without it no handle works; every call then fails in curl_easy_init.
    }
  });
}

// Returns `url` with any userinfo ("user:pass@") replaced by "***@", so that
// an error message never carries credentials written into the URL.
std::string RedactUrl(absl::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) return std::string(url);
  const size_t authority = scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority);
  if (authority_end == absl::string_view::npos) authority_end = url.size();
  const size_t at = url.substr(0, authority_end).rfind('@');
  if (at == absl::string_view::npos || at < authority) return std::string(url);
  return absl::StrCat(url.substr(0, authority), "***",
                      url.substr(at));
}

// Rounds `d` up to whole milliseconds for libcurl's *_MS options.
long CeilMillis(absl::Duration d) {
  const int64_t ms = absl::ToInt64Milliseconds(d);
  return static_cast<long>(absl::Milliseconds(ms) < d ? ms + 1 : ms);
}

struct Sink {
  std::string* body;
  std::size_t limit;
  bool overflowed = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  Sink* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (sink->body->size() + n > sink->limit) {
    sink->overflowed = true;
    return 0;  // libcurl aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

absl::StatusOr<FetchResponse> Fetch(absl::string_view method,
                                    const std::string& url,
                                    const absl::string_view* post_body,
                                    absl::string_view content_type,
                                    const FetchOptions& options) {
  const std::string what = absl::StrCat(method, " ", RedactUrl(url));
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": connect_timeout and timeout must be positive"));
  }
  if (options.max_body_bytes == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": max_body_bytes must be positive"));
  }
  const std::string scheme = absl::AsciiStrToLower(
      absl::string_view(url).substr(0, url.find("://")));
  if (url.find("://") == std::string::npos ||
      (scheme != "http" && scheme != "https")) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": not an http:// or https:// URL"));
  }

  InitCurlOnce();
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (curl == nullptr) {
    return absl::InternalError(absl::StrCat(what, ": curl_easy_init failed"));
  }
  CURL* c = curl.get();
  char error_buffer[CURL_ERROR_SIZE] = {0};
  FetchResponse response;
  Sink sink{&response.body, options.max_body_bytes};

  curl_slist* raw_headers = nullptr;
  // libcurl would wait up to a second for "100 Continue" on larger bodies.
  raw_headers = curl_slist_append(raw_headers, "Expect:");
  std::string auth_header;
  if (!options.bearer_token.empty()) {
    auth_header = absl::StrCat("Authorization: Bearer ", options.bearer_token);
    raw_headers = curl_slist_append(raw_headers, auth_header.c_str());
  }
  std::string content_type_header;
  if (post_body != nullptr) {
    content_type_header = absl::StrCat("Content-Type: ", content_type);
    raw_headers = curl_slist_append(raw_headers, content_type_header.c_str());
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw_headers);

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   CeilMillis(options.connect_timeout));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, CeilMillis(options.timeout));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options.max_body_bytes));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "autoheal");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (post_body != nullptr) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(post_body->size()));
  }

  const CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    const std::string reason = absl::StrCat(
        what, ": ", error_buffer[0] != '\0' ? error_buffer
                                            : curl_easy_strerror(code));
    if (sink.overflowed || code == CURLE_FILESIZE_EXCEEDED) {
      return absl::ResourceExhaustedError(
          absl::StrCat(what, ": response body is over the limit of ",
                       options.max_body_bytes, " bytes"));
    }
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT:
        return absl::DeadlineExceededError(reason);
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return absl::InvalidArgumentError(reason);
      default:
        return absl::UnavailableError(reason);
    }
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  char* type = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK &&
      type != nullptr) {
    response.content_type = type;
  }
  return response;
}

}  // namespace

absl::StatusOr<FetchResponse> HttpGet(const std::string& url,
                                      const FetchOptions& options) {
  return Fetch("GET", url, nullptr, "", options);
}

absl::StatusOr<FetchResponse> HttpPost(const std::string& url,
                                       absl::string_view body,
                                       absl::string_view content_type,
                                       const FetchOptions& options) {
  return Fetch("POST", url, &body, content_type, options);
}

std::string UrlQueryEscape(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const unsigned char u = static_cast<unsigned char>(ch);
    if (absl::ascii_isalnum(u) || ch == '-' || ch == '.' || ch == '_' ||
        ch == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

}  // namespace net
}  // namespace autoheal
