/*
 * tools/compare/svg_chart.cpp - see svg_chart.h.
 *
 * Geometry, in SVG user units (1 unit = 1 px at 100%):
 *
 *   +--------------------------------------------------------------+
 *   | title, subtitle                                   legend      |
 *   |  panel 0            panel 1            panel 2                |
 *   |  |   _              |                  |                      |
 *   |  |  | |_            |  _               |                      |
 *   |  +--------          +--------          +--------              |
 *   |   categories, x label                                         |
 *   | notes                                                         |
 *   +--------------------------------------------------------------+
 *
 * Each panel's axis spans whole decades, from the power of ten at or
 * below its smallest value to the one above its largest, with a grid
 * line and a tick label at each.  Bars rise from the axis's bottom.
 */
#include "svg_chart.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace gort_compare {

namespace {

constexpr double PANEL_W = 330; /* one panel, axis labels included */
constexpr double PLOT_W = 250;	/* its plot area */
constexpr double PLOT_H = 240;
constexpr double LEFT = 20;	 /* page margin */
constexpr double AXIS_GAP = 62;	 /* panel's left edge to its y-axis */
constexpr double PLOT_TOP = 118; /* page top to plot top */
constexpr double NOTE_LINE = 16;

std::string esc(const std::string &s)
{
	std::string o;
	for (char ch : s) {
		switch (ch) {
		case '&':
			o += "&amp;";
			break;
		case '<':
			o += "&lt;";
			break;
		case '>':
			o += "&gt;";
			break;
		case '"':
			o += "&quot;";
			break;
		default:
			/* Control characters are not allowed in XML 1.0. */
			if (static_cast<unsigned char>(ch) >= 0x20)
				o += ch;
		}
	}
	return o;
}

std::string num(double v)
{
	char b[32];
	std::snprintf(b, sizeof(b), "%.1f", v);
	return b;
}

/* 10^@k as a tick label: 0.01, 0.1, 1, 10, ..., 1,000,000, then 1e7. */
std::string decade_label(int k)
{
	if (k < 0) {
		std::string s = "0.";
		for (int i = 1; i < -k; i++)
			s += '0';
		return s + '1';
	}
	if (k > 6)
		return "1e" + std::to_string(k);
	std::string s = "1";
	for (int i = 0; i < k; i++) {
		if ((k - i) % 3 == 0)
			s += ',';
		s += '0';
	}
	return s;
}

void text(std::string &o, double x, double y, const std::string &s,
	  const char *attrs)
{
	o += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" " + attrs + ">" +
	     esc(s) + "</text>\n";
}

void panel(std::string &o, const chart &c, const chart_panel &p, double x0)
{
	double lo_v = HUGE_VAL, hi_v = 0;
	for (const auto &row : p.values)
		for (double v : row)
			if (v > 0) {
				lo_v = std::min(lo_v, v);
				hi_v = std::max(hi_v, v);
			}
	if (hi_v <= 0) {
		lo_v = 1;
		hi_v = 10;
	}
	int lo = int(std::floor(std::log10(lo_v)));
	int hi = int(std::ceil(std::log10(hi_v)));
	if (std::log10(hi_v) > hi - 0.15) /* room for the label on top */
		hi++;
	if (hi <= lo)
		hi = lo + 1;

	double ax = x0 + AXIS_GAP, top = PLOT_TOP, bottom = PLOT_TOP + PLOT_H;
	auto y_of = [&](double v) {
		double f = (std::log10(v) - lo) / double(hi - lo);
		return bottom - f * PLOT_H;
	};

	text(o, ax + PLOT_W / 2, top - 22, p.title,
	     "text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\"");
	o += "<g stroke=\"#dddddd\" stroke-width=\"1\">\n";
	for (int k = lo; k <= hi; k++) {
		double y = y_of(std::pow(10.0, k));
		o += "<line x1=\"" + num(ax) + "\" y1=\"" + num(y) +
		     "\" x2=\"" + num(ax + PLOT_W) + "\" y2=\"" + num(y) +
		     "\"/>\n";
	}
	o += "</g>\n";
	for (int k = lo; k <= hi; k++)
		text(o, ax - 6, y_of(std::pow(10.0, k)) + 4, decade_label(k),
		     "text-anchor=\"end\" font-size=\"11\"");
	/* The y label, turned to read upwards beside the tick labels. */
	double ly = top + PLOT_H / 2, lx = x0 + 12;
	o += "<text x=\"" + num(lx) + "\" y=\"" + num(ly) +
	     "\" transform=\"rotate(-90 " + num(lx) + " " + num(ly) +
	     ")\" text-anchor=\"middle\" font-size=\"12\">" + esc(p.y_label) +
	     "</text>\n";

	std::size_t ncat = c.categories.size(), nser = c.series.size();
	double group_w = PLOT_W / double(ncat ? ncat : 1);
	double bar_w = std::min(34.0, group_w * 0.8 / double(nser ? nser : 1));
	for (std::size_t k = 0; k < ncat; k++) {
		double gx = ax + group_w * double(k) + group_w / 2;
		double bx0 = gx - bar_w * double(nser) / 2;
		for (std::size_t s = 0; s < nser; s++) {
			double v = s < p.values.size() && k < p.values[s].size()
					   ? p.values[s][k]
					   : 0;
			std::string label =
				s < p.labels.size() && k < p.labels[s].size()
					? p.labels[s][k]
					: "";
			double bx = bx0 + bar_w * double(s);
			if (v > 0) {
				double y = y_of(v);
				o += "<rect x=\"" + num(bx + 1) + "\" y=\"" +
				     num(y) + "\" width=\"" + num(bar_w - 2) +
				     "\" height=\"" + num(bottom - y) +
				     "\" fill=\"" + esc(c.series[s].color) +
				     "\"><title>" + esc(c.series[s].name) +
				     ", " + esc(c.categories[k]) + ": " +
				     esc(label) + "</title></rect>\n";
				text(o, bx + bar_w / 2, y - 4, label,
				     "text-anchor=\"middle\" font-size=\"9\"");
			} else if (!label.empty()) {
				/* No bar (a limit stopped it): say so,
				 * upright in its slot. */
				double tx = bx + bar_w / 2 + 3, ty = bottom - 6;
				o += "<text x=\"" + num(tx) + "\" y=\"" +
				     num(ty) + "\" transform=\"rotate(-90 " +
				     num(tx) + " " + num(ty) +
				     ")\" font-size=\"10\" fill=\"" +
				     esc(c.series[s].color) + "\">" +
				     esc(label) + "</text>\n";
			}
		}
		text(o, gx, bottom + 16, c.categories[k],
		     "text-anchor=\"middle\" font-size=\"11\"");
	}
	o += "<line x1=\"" + num(ax) + "\" y1=\"" + num(bottom) + "\" x2=\"" +
	     num(ax + PLOT_W) + "\" y2=\"" + num(bottom) +
	     "\" stroke=\"#333333\"/>\n";
	o += "<line x1=\"" + num(ax) + "\" y1=\"" + num(top) + "\" x2=\"" +
	     num(ax) + "\" y2=\"" + num(bottom) + "\" stroke=\"#333333\"/>\n";
	text(o, ax + PLOT_W / 2, bottom + 34, c.x_label,
	     "text-anchor=\"middle\" font-size=\"12\"");
}

} // namespace

bool write_svg_chart(const chart &c, const std::string &path, std::string *err)
{
	double width = 2 * LEFT + PANEL_W * double(c.panels.size());
	width = std::max(width, 640.0);
	double notes_top = PLOT_TOP + PLOT_H + 64;
	double height = notes_top + NOTE_LINE * double(c.notes.size()) + 12;

	std::string o;
	o += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) +
	     "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) +
	     " " + num(height) +
	     "\" font-family=\"Helvetica, Arial, sans-serif\" "
	     "fill=\"#222222\">\n";
	o += "<title>" + esc(c.title) + "</title>\n";
	o += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
	text(o, LEFT, 28, c.title, "font-size=\"18\" font-weight=\"bold\"");
	text(o, LEFT, 48, c.subtitle, "font-size=\"12\" fill=\"#555555\"");

	/* Legend: one swatch and name per series, on the title's right. */
	double lx = width - LEFT - 150;
	for (std::size_t s = 0; s < c.series.size(); s++) {
		double y = 18 + 20 * double(s);
		o += "<rect x=\"" + num(lx) + "\" y=\"" + num(y) +
		     "\" width=\"14\" height=\"14\" fill=\"" +
		     esc(c.series[s].color) + "\"/>\n";
		text(o, lx + 20, y + 12, c.series[s].name, "font-size=\"13\"");
	}

	for (std::size_t i = 0; i < c.panels.size(); i++)
		panel(o, c, c.panels[i], LEFT + PANEL_W * double(i));

	for (std::size_t i = 0; i < c.notes.size(); i++)
		text(o, LEFT, notes_top + NOTE_LINE * double(i), c.notes[i],
		     "font-size=\"11\" fill=\"#555555\"");
	o += "</svg>\n";

	FILE *f = std::fopen(path.c_str(), "w");
	if (f == nullptr) {
		*err = std::strerror(errno);
		return false;
	}
	bool ok = std::fwrite(o.data(), 1, o.size(), f) == o.size();
	int e = errno;
	if (std::fclose(f) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok)
		*err = std::strerror(e);
	return ok;
}

} // namespace gort_compare
