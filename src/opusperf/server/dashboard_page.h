// The dashboard page and the self-contained HTML report: one page (web/src/page.html with its
// stylesheet and script, and uPlot, all inline) in two modes.
//
//   live:   dashboard_page() is served at / ; its script follows /api/stream of the same server.
//   report: report_page(report) embeds a finished run's report and draws the same charts from its
//           recorded series; it needs no server and no network, so it opens offline from a file.
//
// The report is embedded as JSON in a <script type="application/json"> element with every '<'
// written as \u003c, so no text in it can end the element early.
//
// Pure functions over constant embedded assets; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace opusperf {

// Returns the live dashboard page (built once, then shared).
const std::string& dashboard_page();

// Returns a self-contained HTML page of `report` (a Report::json() document) titled `title`.
std::string report_page(const nlohmann::json& report, std::string_view title);

}  // namespace opusperf
