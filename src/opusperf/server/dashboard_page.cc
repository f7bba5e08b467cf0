#include "opusperf/server/dashboard_page.h"

#include <stdexcept>

#include "opusperf/server/web_assets.h"

namespace opusperf {
namespace {

// Replaces the first `marker` at or after `from` in `text` with `value` and returns the position
// just past the inserted value, so a later marker is never looked for inside inserted text.
// REQUIRES: page.html has the markers in the order render() fills them (it is part of the build).
std::size_t replace_marker(std::string& text, std::size_t from, std::string_view marker,
                           std::string_view value) {
  const std::size_t at = text.find(marker, from);
  if (at == std::string::npos) {
    throw std::logic_error("web/src/page.html lacks the marker " + std::string(marker));
  }
  text.replace(at, marker.size(), value);
  return at + value.size();
}

std::string escape_html(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render(std::string_view title, std::string_view data_json) {
  std::string page(web_assets::page_html);
  std::size_t at = replace_marker(page, 0, "{{title}}", escape_html(title));
  at = replace_marker(
      page, at, "/*{{style}}*/",
      std::string(web_assets::uplot_css) + "\n" + std::string(web_assets::dashboard_css));
  at = replace_marker(page, at, "{{data}}", data_json);
  replace_marker(page, at, "/*{{script}}*/",
                 std::string(web_assets::uplot_js) + "\n" + std::string(web_assets::dashboard_js));
  return page;
}

}  // namespace

const std::string& dashboard_page() {
  static const std::string page = render("opusperf live", "null");
  return page;
}

std::string report_page(const nlohmann::json& report, std::string_view title) {
  std::string data = report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string safe;
  safe.reserve(data.size());
  for (const char c : data) {
    if (c == '<') {
      safe += "\\u003c";  // '<' only occurs inside JSON strings, where this escape means the same
    } else {
      safe += c;
    }
  }
  return render(title, safe);
}

}  // namespace opusperf
