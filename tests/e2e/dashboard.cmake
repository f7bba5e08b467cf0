# End-to-end tests of the server side of the command (included from tests/e2e/CMakeLists.txt):
#  - e2e_server_tests (serve_cli_test.cc): `quickstart --serve`, `report --html`,
#    `report --compare --fail-over` and their exit codes, through the built binary;
#  - e2e_dashboard (dashboard.test.mjs under node's test runner): headless Chromium (Debian's
#    chromium, through playwright-core from web/node_modules) against `opusperf quickstart --serve`
#    and `opusperf report --html`. Left out without node; skips, saying why, without Chromium or
#    playwright-core.
opusperf_add_tests(e2e_server_tests serve_cli_test.cc)
target_link_libraries(e2e_server_tests PRIVATE nlohmann_json::nlohmann_json)
target_compile_definitions(e2e_server_tests PRIVATE OPUSPERF_CLI="$<TARGET_FILE:opusperf_cli>")
add_dependencies(e2e_server_tests opusperf_cli)

find_program(OPUSPERF_NODE node)
if(OPUSPERF_NODE)
  add_test(NAME e2e_dashboard
           COMMAND ${OPUSPERF_NODE} --test --test-reporter=spec
                   ${CMAKE_CURRENT_SOURCE_DIR}/dashboard.test.mjs)
  set_tests_properties(e2e_dashboard PROPERTIES
    ENVIRONMENT "OPUSPERF_CLI=$<TARGET_FILE:opusperf_cli>;OPUSPERF_WEB_DIR=${PROJECT_SOURCE_DIR}/web"
    TIMEOUT 400)
else()
  message(STATUS "node not found: the dashboard's browser test (tests/e2e/dashboard.test.mjs) is left out")
endif()
