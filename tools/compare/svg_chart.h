/*
 * tools/compare/svg_chart.h - a small writer of self-contained SVG bar
 * charts: panels side by side, each a group of bars per category on its
 * own log-10 y-axis, with a shared legend, title and notes.  No scripts,
 * no external fonts or stylesheets: the file opens in any browser and
 * can be checked in beside a README.
 *
 *   chart c;
 *   c.title = "goroutines vs pthreads";
 *   c.categories = {"1,000", "10,000"};
 *   c.series = {{"goroutines", "#00add8"}, {"threads", "#d1495b"}};
 *   c.panels.push_back({"Start all N", "ms", {{0.2, 2.1}, {25, 260}},
 *                       {{"0.2", "2.1"}, {"25", "260"}}});
 *   write_svg_chart(c, "out.svg", &err);
 */
#pragma once

#include <string>
#include <vector>

namespace gort_compare {

struct chart_series {
	std::string name;
	std::string color; /* any SVG colour, e.g. "#00add8" */
};

struct chart_panel {
	std::string title;
	std::string y_label;
	/* values[series][category]; a value <= 0 draws no bar (the
	 * matching label, if any, is written where the bar would be). */
	std::vector<std::vector<double>> values;
	/* labels[series][category]: text above each bar; may be empty. */
	std::vector<std::vector<std::string>> labels;
};

struct chart {
	std::string title;
	std::string subtitle;
	std::string x_label;
	std::vector<std::string> categories;
	std::vector<chart_series> series;
	std::vector<chart_panel> panels;
	std::vector<std::string> notes; /* lines under the panels */
};

/* Write @c to @path; on failure return false and say why in *err. */
bool write_svg_chart(const chart &c, const std::string &path, std::string *err);

} // namespace gort_compare
