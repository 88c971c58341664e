#include <string>

#include <gtest/gtest.h>

#include "operator/controllers/common/operator_metrics.hpp"
#include "operator/runtime/metrics/exposition.hpp"

namespace redraft::controllers {
namespace {

std::string render(const runtime::metrics::Registry& registry) {
  return runtime::metrics::render_text(registry);
}

TEST(OperatorMetrics, ExposesTheRedraftFamiliesWithTheirLabels) {
  runtime::metrics::Registry registry;
  OperatorMetrics metrics(registry);
  metrics.task_finished("code", "PUSHED", "");
  metrics.task_finished("code", "PUSHED", "");
  metrics.task_finished("review", "NO-GO", "");
  metrics.restore("fallback");
  metrics.lease_rejected();
  metrics.phase_duration("agent", 3.5);
  metrics.item_finished(2);
  const std::string text = render(registry);
  EXPECT_NE(text.find("redraft_tasks_total{kind=\"code\",verdict=\"PUSHED\",reason=\"\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("redraft_tasks_total{kind=\"review\",verdict=\"NO-GO\",reason=\"\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("redraft_restore_total{outcome=\"fallback\"} 1"), std::string::npos);
  EXPECT_NE(text.find("redraft_lease_rejections_total 1"), std::string::npos);
  EXPECT_NE(text.find("redraft_task_phase_seconds_count{phase=\"agent\"} 1"), std::string::npos);
  EXPECT_NE(text.find("redraft_task_phase_seconds_sum{phase=\"agent\"} 3.5"), std::string::npos);
  EXPECT_NE(text.find("redraft_item_iterations_bucket{le=\"2\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("redraft_item_iterations_bucket{le=\"1\"} 0"), std::string::npos);
}

TEST(OperatorMetrics, TwoInstancesShareOneRegistry) {
  runtime::metrics::Registry registry;
  OperatorMetrics a(registry);
  OperatorMetrics b(registry);  // one per namespace in the operator: must not throw
  a.lease_rejected();
  b.lease_rejected();
  EXPECT_NE(render(registry).find("redraft_lease_rejections_total 2"), std::string::npos);
}

TEST(OperatorMetrics, NegativeDurationsAreIgnored) {
  runtime::metrics::Registry registry;
  OperatorMetrics metrics(registry);
  metrics.phase_duration("prepare", -1);
  EXPECT_EQ(render(registry).find("redraft_task_phase_seconds_count{phase=\"prepare\"}"),
            std::string::npos);
}

}  // namespace
}  // namespace redraft::controllers
