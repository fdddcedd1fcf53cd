/*
 * tests/tools/trace_html_test.cpp - tools/trace: gort-trace-html and the
 * viewer it puts in every page, driven as a person would use them.  The
 * program turns a trace into a page; headless Chromium loads the page
 * and prints its DOM once the viewer's script has run, with what the
 * viewer records on <body> (tools/trace/viewer.html): data-rendered,
 * data-spans, data-skipped and, after any script error, data-error.
 * - tests/tools/trace_fixture.json: rendered, a span per goroutine "X"
 *   event, every unblock and steal arrow and the syscall drawn, no error;
 * - the same with one unusable event (a string for a ts) and a
 *   "</script>" inside a string: the other spans still drawn, the bad
 *   event skipped and the count shown;
 * - a trace with no events: data-spans="0" and "empty trace" shown;
 * - the program alone: its default output name, and clear errors for a
 *   missing file, an empty one and one that is not a JSON object.
 * The browser is Debian's chromium package.  Without it the browser cases
 * fail and say so; GORT_TEST_NO_BROWSER=1 skips them instead.
 */
#include "../runtime/proc_util.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using gort_test::run_command;

std::string quote(const std::string &s)
{
	std::string r = "'";
	for (char c : s)
		r += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return r + "'";
}

std::string read_text(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

void write_text(const std::string &path, const std::string &text)
{
	std::ofstream(path, std::ios::binary) << text;
}

/* A directory of the test's own, removed with everything in it. */
struct temp_dir {
	std::string path;

	temp_dir()
	{
		char tmpl[] = "/tmp/gort_trace_html_XXXXXX";
		if (::mkdtemp(tmpl) != nullptr)
			path = tmpl;
	}
	~temp_dir()
	{
		std::error_code ec;
		if (!path.empty())
			fs::remove_all(path, ec);
	}
	std::string operator/(const std::string &name) const
	{
		return path + "/" + name;
	}
};

size_t count(const std::string &text, const std::string &what)
{
	size_t n = 0;
	for (size_t at = text.find(what); at != std::string::npos;
	     at = text.find(what, at + what.size()))
		n++;
	return n;
}

/* The fixture's goroutine spans: one event a line, as gort writes. */
size_t goroutine_spans(const std::string &json)
{
	size_t n = 0;
	std::istringstream in(json);
	for (std::string line; std::getline(in, line);)
		if (line.find("\"ph\":\"X\"") != std::string::npos &&
		    line.find("\"cat\":\"goroutine\"") != std::string::npos)
			n++;
	return n;
}

/* Why the browser cases cannot run, or "" if they can; @skip says
 * whether that is by request (skip) or not (fail). */
std::string no_browser(bool &skip)
{
	const char *env = std::getenv("GORT_TEST_NO_BROWSER");
	skip = env != nullptr && std::string(env) == "1";
	if (skip)
		return "GORT_TEST_NO_BROWSER=1: the viewer is not loaded in a "
		       "browser";
	if (std::system("command -v chromium >/dev/null 2>&1") != 0)
		return "chromium is not installed: the trace viewer test loads "
		       "the page in headless Chromium.  Install Debian's "
		       "chromium package (apt-get install chromium), or set "
		       "GORT_TEST_NO_BROWSER=1 to skip this test";
	return "";
}

#define NEED_BROWSER()                                                         \
	do {                                                                   \
		bool skip_;                                                    \
		std::string why_ = no_browser(skip_);                          \
		if (!why_.empty() && skip_)                                    \
			GTEST_SKIP() << why_;                                  \
		if (!why_.empty())                                             \
			FAIL() << why_;                                        \
	} while (0)

/* gort-trace-html with @args. */
gort_test::run_result trace_html(const std::string &args)
{
	return run_command(quote(GORT_TRACE_HTML) + " " + args);
}

struct page {
	std::string dom;			 /* what --dump-dom printed */
	std::map<std::string, std::string> body; /* <body>'s attributes */
	std::string log; /* the command lines and Chromium's stderr */
};

/* The attributes of the <body> element in @dom, values unescaped. */
std::map<std::string, std::string> body_attributes(const std::string &dom)
{
	std::map<std::string, std::string> attrs;
	size_t head = dom.find("</head>");
	size_t i = dom.find("<body", head == std::string::npos ? 0 : head);
	if (i == std::string::npos)
		return attrs;
	i += 5;
	while (i < dom.size() && dom[i] != '>') {
		if (dom[i] == ' ' || dom[i] == '\n') {
			i++;
			continue;
		}
		size_t e = dom.find_first_of("= >", i);
		if (e == std::string::npos)
			break;
		std::string name = dom.substr(i, e - i), value;
		i = e;
		if (dom[i] == '=' && i + 1 < dom.size() && dom[i + 1] == '"') {
			size_t close = dom.find('"', i + 2);
			if (close == std::string::npos)
				break;
			value = dom.substr(i + 2, close - i - 2);
			i = close + 1;
		}
		for (auto [from, to] : {std::pair{"&quot;", "\""},
					{"&lt;", "<"},
					{"&gt;", ">"},
					{"&amp;", "&"}})
			for (size_t at;
			     (at = value.find(from)) != std::string::npos;)
				value.replace(at, std::string(from).size(), to);
		attrs[name] = value;
	}
	return attrs;
}

/* @html loaded in headless Chromium, its DOM once the page has loaded.
 * A fresh profile each time, in @tmp, removed afterwards.  The new
 * headless mode first; "--headless" alone on versions without it. */
page load_page(const temp_dir &tmp, const std::string &html)
{
	page p;
	std::string url = "file://" + fs::absolute(html).string();
	for (const char *mode : {"--headless=new", "--headless"}) {
		std::string profile = tmp / "profile";
		std::string err = tmp / "chromium.stderr";
		/* timeout: a browser that hangs fails the test, not CI. */
		std::string cmd = "timeout 60 chromium " + std::string(mode) +
				  " --no-sandbox --disable-gpu --no-first-run"
				  " --user-data-dir=" +
				  quote(profile) + " --dump-dom " + quote(url);
		/* Only stdout is the DOM; stderr (Chromium's noise) aside. */
		gort_test::run_result r =
			run_command("(" + cmd + " 2>" + quote(err) + ")");
		p.log += "$ " + cmd + "\nexit " + std::to_string(r.exit_code) +
			 ", stderr:\n" + read_text(err) + "\n";
		std::error_code ec;
		fs::remove_all(profile, ec);
		p.dom = r.output;
		p.body = body_attributes(p.dom);
		if (r.exit_code == 0 && !p.body.empty())
			break;
	}
	return p;
}

/* The checks every page that rendered passes. */
void expect_rendered(const page &p)
{
	EXPECT_EQ(p.body.count("data-error"), 0u)
		<< "script error: " << p.body.at("data-error");
	ASSERT_EQ(p.body.count("data-rendered"), 1u)
		<< "the viewer did not finish its first render\n"
		<< p.log << "DOM:\n"
		<< p.dom.substr(0, 4000);
	EXPECT_EQ(p.body.at("data-rendered"), "1");
	ASSERT_EQ(p.body.count("data-spans"), 1u);
}

TEST(trace_html, fixture)
{
	NEED_BROWSER();
	temp_dir tmp;
	ASSERT_FALSE(tmp.path.empty());
	std::string json = read_text(GORT_TRACE_FIXTURE);
	size_t spans = goroutine_spans(json);
	ASSERT_GT(spans, 0u) << GORT_TRACE_FIXTURE;

	std::string html = tmp / "fixture.html";
	auto r = trace_html(quote(GORT_TRACE_FIXTURE) + " -o " + quote(html));
	ASSERT_EQ(r.exit_code, 0) << r.output;
	page p = load_page(tmp, html);
	expect_rendered(p);
	EXPECT_EQ(p.body.at("data-spans"), std::to_string(spans)) << p.log;
	EXPECT_EQ(p.body["data-skipped"], "0");
	/* The arrows and the syscall span, as the fixture has them (in
	 * the timeline, not the legend). */
	size_t tl = p.dom.find("id=\"tl\"");
	ASSERT_NE(tl, std::string::npos);
	std::string svg = p.dom.substr(tl, p.dom.find("</svg>", tl) - tl);
	EXPECT_EQ(count(svg, "class=\"fl f-unblock\""),
		  count(json, "\"cat\":\"unblock\"") / 2);
	EXPECT_EQ(count(svg, "class=\"fl f-steal\""),
		  count(json, "\"cat\":\"steal\"") / 2);
	EXPECT_EQ(count(svg, "class=\"span sys\""),
		  count(json, "\"cat\":\"syscall\""));
	EXPECT_NE(p.dom.find("2 procs"), std::string::npos);
	EXPECT_NE(p.dom.find("6 goroutines"), std::string::npos);
}

TEST(trace_html, a_real_trace_of_the_seed_program)
{
	/* The seed's two alphabet printers at procs 2, traced by the
	 * runtime (GORT_TRACE), turned into a page and drawn. */
	NEED_BROWSER();
	temp_dir tmp;
	ASSERT_FALSE(tmp.path.empty());
	std::string json = tmp / "letters.json";
	auto run = run_command("GORT_PROCS=2 GORT_TRACE=" + quote(json) + " " +
			       quote(GORT_EXAMPLE_PARALLEL));
	ASSERT_EQ(run.exit_code, 0) << run.output;
	std::string text = read_text(json);
	size_t spans = goroutine_spans(text);
	ASSERT_GT(spans, 0u) << text.substr(0, 2000);

	std::string html = tmp / "letters.html";
	auto r = trace_html(quote(json) + " -o " + quote(html));
	ASSERT_EQ(r.exit_code, 0) << r.output;
	page p = load_page(tmp, html);
	expect_rendered(p);
	EXPECT_EQ(p.body.at("data-spans"), std::to_string(spans)) << p.log;
	EXPECT_EQ(p.body["data-skipped"], "0");
	EXPECT_NE(p.dom.find("2 procs"), std::string::npos);
}

TEST(trace_html, broken_event_skipped)
{
	NEED_BROWSER();
	temp_dir tmp;
	ASSERT_FALSE(tmp.path.empty());
	std::string json = read_text(GORT_TRACE_FIXTURE);
	size_t spans = goroutine_spans(json);
	/* One goroutine span's ts a string; a wait reason that would end
	 * the <script> holding the trace, were it not escaped. */
	size_t at = json.find("\"ts\":12.600");
	ASSERT_NE(at, std::string::npos);
	json.replace(at, 11, "\"ts\":\"12.6us\"");
	const std::string evil =
		"chan receive</script><script>document.body.dataset.error="
		"'injected'</script><!--<script>";
	at = json.find("chan receive");
	ASSERT_NE(at, std::string::npos);
	json.replace(at, 12, evil);
	write_text(tmp / "broken.json", json);

	auto r = trace_html(quote(tmp / "broken.json"));
	ASSERT_EQ(r.exit_code, 0) << r.output;
	std::string text = read_text(tmp / "broken.html");
	EXPECT_EQ(text.find("</script><script>document"), std::string::npos)
		<< "a </script> in the trace was written as it is";
	page p = load_page(tmp, tmp / "broken.html");
	expect_rendered(p);
	EXPECT_EQ(p.body.at("data-spans"), std::to_string(spans - 1));
	EXPECT_EQ(p.body["data-skipped"], "1");
	EXPECT_NE(p.dom.find("skipped 1 invalid event"), std::string::npos)
		<< "the skipped event is not shown in the header";
}

TEST(trace_html, empty_trace)
{
	NEED_BROWSER();
	temp_dir tmp;
	ASSERT_FALSE(tmp.path.empty());
	/* What gort writes when nothing ran: the header and lane names. */
	std::string json = read_text(GORT_TRACE_FIXTURE), empty;
	std::istringstream in(json);
	for (std::string line; std::getline(in, line);)
		if (line.find("\"ph\":\"X\"") == std::string::npos &&
		    line.find("\"ph\":\"i\"") == std::string::npos &&
		    line.find("\"ph\":\"s\"") == std::string::npos &&
		    line.find("\"ph\":\"f\"") == std::string::npos)
			empty += line + "\n";
	size_t comma = empty.find(",\n]}");
	ASSERT_NE(comma, std::string::npos) << empty;
	empty.erase(comma, 1);
	write_text(tmp / "empty.json", empty);

	auto r = trace_html(quote(tmp / "empty.json") + " -o " +
			    quote(tmp / "empty.html"));
	ASSERT_EQ(r.exit_code, 0) << r.output;
	page p = load_page(tmp, tmp / "empty.html");
	expect_rendered(p);
	EXPECT_EQ(p.body.at("data-spans"), "0");
	EXPECT_NE(p.dom.find("empty trace"), std::string::npos);
}

/* The program alone: no browser needed. */
TEST(trace_html, command_line)
{
	temp_dir tmp;
	ASSERT_FALSE(tmp.path.empty());

	/* The default output: the input's path, .json -> .html. */
	write_text(tmp / "t.json", read_text(GORT_TRACE_FIXTURE));
	auto r = trace_html(quote(tmp / "t.json"));
	ASSERT_EQ(r.exit_code, 0) << r.output;
	std::string html = read_text(tmp / "t.html");
	EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
	EXPECT_NE(html.find("<script type=\"application/json\" id=\"trace\""),
		  std::string::npos);
	EXPECT_NE(html.find("\"producer\":\"gort trace v1\""),
		  std::string::npos);
	EXPECT_NE(html.find("</html>"), std::string::npos);
	/* Self-contained: nothing fetched from anywhere. */
	EXPECT_EQ(html.find("src="), std::string::npos);
	EXPECT_EQ(html.find("https://"), std::string::npos);

	r = trace_html(quote(tmp / "missing.json"));
	EXPECT_EQ(r.exit_code, 1);
	EXPECT_NE(r.output.find("cannot open"), std::string::npos) << r.output;
	EXPECT_NE(r.output.find("missing.json"), std::string::npos) << r.output;

	write_text(tmp / "empty.json", "");
	r = trace_html(quote(tmp / "empty.json"));
	EXPECT_EQ(r.exit_code, 1);
	EXPECT_NE(r.output.find("empty"), std::string::npos) << r.output;

	write_text(tmp / "text.json", "goroutine 1 [running]:\n");
	r = trace_html(quote(tmp / "text.json"));
	EXPECT_EQ(r.exit_code, 1);
	EXPECT_NE(r.output.find("does not start with '{'"), std::string::npos)
		<< r.output;
	EXPECT_FALSE(fs::exists(tmp / "text.html"));

	r = trace_html(quote(tmp.path));
	EXPECT_EQ(r.exit_code, 1);
	EXPECT_NE(r.output.find("cannot read"), std::string::npos) << r.output;

	r = trace_html("");
	EXPECT_EQ(r.exit_code, 2);
	EXPECT_NE(r.output.find("usage"), std::string::npos) << r.output;
}

} // namespace
