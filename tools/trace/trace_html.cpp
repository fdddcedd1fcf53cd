/*
 * tools/trace/trace_html.cpp - gort-trace-html: a trace the runtime wrote
 * (Chrome trace-event JSON, which Perfetto and chrome://tracing also
 * load) as one self-contained HTML page that draws it as a timeline: a
 * lane per P, goroutines as coloured spans, arrows for unblocks and
 * steals.  Go's `go tool trace`, without the server.
 *
 *   gort-trace-html <trace.json> [-o out.html]
 *
 * The default output is the input's path with .json replaced by .html
 * (.html appended if it has no .json).  The page needs nothing else: no
 * network, no other files.  It is
 *
 *   <!DOCTYPE html> ... <head> <meta charset>
 *   <script type="application/json" id="trace"> the trace </script>
 *   tools/trace/viewer.html (compiled in: viewer_html.h, generated)
 *
 * The JSON is not parsed here (the viewer does that, and reports what it
 * cannot use); the program only checks that the file can be read and
 * looks like a JSON object.
 */
#include "viewer_html.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

const char usage[] = "usage: gort-trace-html <trace.json> [-o out.html]\n";

/* The whole of @path into @out; false, having said why, if it cannot. */
bool read_file(const std::string &path, std::string &out)
{
	FILE *f = std::fopen(path.c_str(), "rb");
	if (f == nullptr) {
		std::fprintf(stderr, "gort-trace-html: cannot open %s: %s\n",
			     path.c_str(), std::strerror(errno));
		return false;
	}
	char buf[1 << 16];
	size_t n;
	while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
		out.append(buf, n);
	bool failed = std::ferror(f) != 0;
	int err = errno;
	std::fclose(f);
	if (failed) {
		std::fprintf(stderr, "gort-trace-html: cannot read %s: %s\n",
			     path.c_str(), std::strerror(err));
		return false;
	}
	return true;
}

/* Why @text is not a trace, or nullptr.  Only the shape: a JSON object
 * starts with '{' (after any white space). */
const char *not_a_trace(const std::string &text)
{
	size_t i = text.find_first_not_of(" \t\r\n");
	if (i == std::string::npos)
		return "the file is empty";
	if (text[i] != '{')
		return "it does not start with '{' (gort writes a JSON object: "
		       "{\"otherData\":...,\"traceEvents\":[...]})";
	return nullptr;
}

/* The trace as the content of a <script> element.  "</" becomes "<\/"
 * (in a JSON string "\/" is "/"), so no "</script>" inside a string can
 * end the element; "<!--" becomes "\u003c!--", so none can put the HTML
 * parser in the script-data escape states in which the element's own
 * "</script>" would not end it.  Valid JSON holds '<' only in strings. */
std::string script_safe(const std::string &json)
{
	std::string o;
	o.reserve(json.size() + json.size() / 64);
	for (size_t i = 0; i < json.size(); i++) {
		if (json[i] == '<' && json.compare(i, 2, "</") == 0) {
			o += "<\\/";
			i++;
		} else if (json[i] == '<' && json.compare(i, 4, "<!--") == 0) {
			o += "\\u003c";
		} else {
			o += json[i];
		}
	}
	return o;
}

/* @s as an HTML attribute value (between double quotes). */
std::string attr_escape(const std::string &s)
{
	std::string o;
	for (char ch : s) {
		switch (ch) {
		case '&':
			o += "&amp;";
			break;
		case '"':
			o += "&quot;";
			break;
		case '<':
			o += "&lt;";
			break;
		default:
			o += ch;
		}
	}
	return o;
}

std::string base_name(const std::string &path)
{
	size_t slash = path.find_last_of('/');
	return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string default_output(const std::string &in)
{
	const std::string ext = ".json";
	if (in.size() > ext.size() &&
	    in.compare(in.size() - ext.size(), ext.size(), ext) == 0)
		return in.substr(0, in.size() - ext.size()) + ".html";
	return in + ".html";
}

/* Write @text to @path; on failure say why and leave no partial file. */
bool write_file(const std::string &path, const std::string &text)
{
	FILE *f = std::fopen(path.c_str(), "wb");
	if (f == nullptr) {
		std::fprintf(stderr, "gort-trace-html: cannot create %s: %s\n",
			     path.c_str(), std::strerror(errno));
		return false;
	}
	size_t n = std::fwrite(text.data(), 1, text.size(), f);
	int err = errno;
	if (std::fclose(f) != 0 && n == text.size()) {
		err = errno;
		n = 0;
	}
	if (n != text.size()) {
		std::fprintf(stderr, "gort-trace-html: cannot write %s: %s\n",
			     path.c_str(), std::strerror(err));
		std::remove(path.c_str());
		return false;
	}
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	std::string in, out;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "-h" || a == "--help") {
			std::fputs(usage, stdout);
			return 0;
		}
		if (a == "-o") {
			if (i + 1 == argc) {
				std::fprintf(stderr,
					     "gort-trace-html: -o needs "
					     "a file name\n%s",
					     usage);
				return 2;
			}
			out = argv[++i];
		} else if (a.size() > 1 && a[0] == '-') {
			std::fprintf(stderr,
				     "gort-trace-html: unknown option %s\n%s",
				     a.c_str(), usage);
			return 2;
		} else if (in.empty()) {
			in = a;
		} else {
			std::fprintf(stderr,
				     "gort-trace-html: one trace at a "
				     "time\n%s",
				     usage);
			return 2;
		}
	}
	if (in.empty()) {
		std::fputs(usage, stderr);
		return 2;
	}
	if (out.empty())
		out = default_output(in);

	std::string json;
	if (!read_file(in, json))
		return 1;
	if (const char *why = not_a_trace(json)) {
		std::fprintf(stderr, "gort-trace-html: %s is not a trace: %s\n",
			     in.c_str(), why);
		return 1;
	}

	std::string page = "<!DOCTYPE html>\n"
			   "<html lang=\"en\">\n"
			   "<head>\n"
			   "<meta charset=\"utf-8\">\n"
			   "<script type=\"application/json\" id=\"trace\" "
			   "data-source=\"";
	page += attr_escape(base_name(in));
	page += "\">\n";
	page += script_safe(json);
	page += "\n</script>\n";
	page += gort_viewer_html;
	if (!write_file(out, page))
		return 1;
	std::printf("%s\n", out.c_str());
	return 0;
}
