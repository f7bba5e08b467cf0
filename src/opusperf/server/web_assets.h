// The dashboard's web assets, embedded into the binary at build time from web/ (see CMakeLists.txt
// and embed_assets.cmake): the page shell, its stylesheet and script, and uPlot from npm. Each is
// the file's bytes, unchanged. Constant data; safe from any thread.
#pragma once

#include <string_view>

namespace opusperf::web_assets {

extern const std::string_view page_html;      // web/src/page.html: the shell with placeholders
extern const std::string_view dashboard_css;  // web/src/dashboard.css
extern const std::string_view dashboard_js;   // web/src/dashboard.js: live and report modes
extern const std::string_view uplot_css;      // uplot/dist/uPlot.min.css
extern const std::string_view uplot_js;       // uplot/dist/uPlot.iife.min.js

}  // namespace opusperf::web_assets
