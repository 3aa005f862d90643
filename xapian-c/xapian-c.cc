// xapian-c: the C shim over Xapian.  Every entry point is wrapped in
// XC_TRY / XC_CATCH so that no C++ exception ever unwinds into C code; the
// exception's description is kept per thread for xc_errmsg().

#include "xapian-c.h"

#include <xapian.h>

#include <algorithm>
#include <exception>
#include <cerrno>
#include <cmath>
#include <ctime>
#include <memory>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

thread_local std::string last_error;
thread_local int last_status;

// A stub line that names a remote database the caller did not allow.
struct refusal {
    int status;
    std::string msg;
};

int set_error(int status, const std::string &msg)
{
    last_error = msg;
    last_status = status;
    return status;
}

// Called from a catch block: rethrows and maps the exception to a status.
int translate_exception()
{
    try {
        throw;
    } catch (const refusal &r) {
        return set_error(r.status, r.msg);
    } catch (const Xapian::DatabaseLockError &e) {
        return set_error(XC_ERR_LOCKED, e.get_description());
    } catch (const Xapian::DatabaseVersionError &e) {
        return set_error(XC_ERR_VERSION, e.get_description());
    } catch (const Xapian::DatabaseOpeningError &e) {
        return set_error(XC_ERR_OPENING, e.get_description());
    } catch (const Xapian::DatabaseModifiedError &e) {
        return set_error(XC_ERR_MODIFIED, e.get_description());
    } catch (const Xapian::DatabaseCreateError &e) {
        return set_error(XC_ERR_OPENING, e.get_description());
    } catch (const Xapian::DatabaseCorruptError &e) {
        return set_error(XC_ERR_CORRUPT, e.get_description());
    } catch (const Xapian::NetworkError &e) {
        return set_error(XC_ERR_NETWORK, e.get_description());
    } catch (const Xapian::DocNotFoundError &e) {
        return set_error(XC_ERR_NOT_FOUND, e.get_description());
    } catch (const Xapian::InvalidArgumentError &e) {
        return set_error(XC_ERR_INVALID, e.get_description());
    } catch (const Xapian::DatabaseError &e) {
        // what is left of DatabaseError when reading: a block past the end
        // of its file, a tag that does not inflate... damage
        return set_error(XC_ERR_CORRUPT, e.get_description());
    } catch (const Xapian::Error &e) {
        return set_error(XC_ERR_XAPIAN, e.get_description());
    } catch (const std::bad_alloc &) {
        return set_error(XC_ERR_NOMEM, "out of memory");
    } catch (const std::exception &e) {
        return set_error(XC_ERR_XAPIAN, e.what());
    } catch (...) {
        return set_error(XC_ERR_XAPIAN, "unknown C++ exception");
    }
}

int invalid(const char *what)
{
    return set_error(XC_ERR_INVALID, what);
}

int copy_out(const std::string &s, char **out, size_t *len)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (!p)
        return set_error(XC_ERR_NOMEM, "out of memory");
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    *out = p;
    if (len)
        *len = s.size();
    return XC_OK;
}

/* ------------------------------------------------------ opening, safely */

// See xc_db_open() in xapian-c.h.  The rules are Xapian 1.4's
// (backends/dbfactory.cc and databasehelpers.h), with two differences: a
// remote line is refused unless allowed, and every local database is opened
// with its backend named (Database(path, DB_BACKEND_GLASS), or by file
// descriptor for a single-file one), so Xapian itself never reads a stub:
// what was checked is what is opened.

const int STUB_MAX_DEPTH = 8;
const size_t STUB_MAX_BYTES = 1 << 20;
const size_t STUB_MAX_DATABASES = 4096;

struct opener {
    unsigned flags;
    Xapian::Database db;
    size_t count;
    bool remote;
};

// Bytes of a stub line fit for a message: printable ASCII, the rest as \xNN.
std::string shown(const std::string &s)
{
    std::string out;
    for (unsigned char c : s.substr(0, 200)) {
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    return out;
}

void add(opener &o, const Xapian::Database &db)
{
    if (++o.count > STUB_MAX_DATABASES)
        throw Xapian::DatabaseOpeningError("stub databases name more than " + std::to_string(STUB_MAX_DATABASES) +
                                           " databases");
    o.db.add_database(db);
}

// A path in a stub is relative to the stub's directory.
std::string relative_to(const std::string &path, const std::string &stub)
{
    if (!path.empty() && path[0] == '/')
        return path;
    std::string::size_type slash = stub.rfind('/');
    return slash == std::string::npos ? path : stub.substr(0, slash + 1) + path;
}

// Opens path without following it into a FIFO or device, and checks it is
// still what stat() said (a regular file or a directory).
int open_checked(const std::string &path, const struct stat &st)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        throw Xapian::DatabaseOpeningError("Couldn't open '" + path + "'", errno);
    struct stat now;
    if (fstat(fd, &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
        ::close(fd);
        throw Xapian::DatabaseOpeningError("'" + path + "' changed while it was opened");
    }
    return fd;
}

// "HOST:PORT" or "[V6]:PORT", the port from 1 to 65535.
bool parse_host_port(const std::string &s, std::string &host, unsigned &port)
{
    std::string::size_type colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == s.size() || s.size() - colon > 6 ||
        s.find_first_not_of("0123456789", colon + 1) != std::string::npos)
        return false;
    unsigned long p = std::strtoul(s.c_str() + colon + 1, nullptr, 10);
    if (p == 0 || p > 65535)
        return false;
    host = s.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    port = static_cast<unsigned>(p);
    return true;
}

void open_path(opener &o, const std::string &path, int depth);

void open_stub_lines(opener &o, const std::string &file, const std::string &text, int depth)
{
    size_t line_no = 0;
    for (size_t start = 0; start < text.size();) {
        size_t nl = text.find('\n', start);
        std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        start = nl == std::string::npos ? text.size() : nl + 1;
        ++line_no;
        if (line.empty() || line[0] == '#')
            continue;
        std::string where = file + ":" + std::to_string(line_no), host;
        unsigned port;
        std::string::size_type space = line.find(' ');
        std::string type = line.substr(0, space);
        std::string rest = space == std::string::npos ? std::string() : line.substr(space + 1);
        if (type == "auto") {
            open_path(o, relative_to(rest, file), depth + 1);
        } else if (type == "glass") {
            add(o, Xapian::Database(relative_to(rest, file), Xapian::DB_BACKEND_GLASS));
#ifdef XAPIAN_HAS_CHERT_BACKEND
        } else if (type == "chert") {
            add(o, Xapian::Database(relative_to(rest, file), Xapian::DB_BACKEND_CHERT));
#endif
        } else if (type == "inmemory" && rest.empty()) {
            add(o, Xapian::Database(std::string(), Xapian::DB_BACKEND_INMEMORY));
        } else if (type == "remote" && !rest.empty() && rest[0] == ':') {
            if (!(o.flags & XC_OPEN_REMOTE_PROGRAM))
                throw refusal{XC_ERR_PROGRAM_REFUSED,
                              where + ": names a program to run as a remote database (remote :PROGRAM)"};
            std::string::size_type sp = rest.find(' ');
            std::string prog = rest.substr(1, sp == std::string::npos ? std::string::npos : sp - 1);
            std::string args = sp == std::string::npos ? std::string() : rest.substr(sp + 1);
            add(o, Xapian::Remote::open(prog, args));
            o.remote = true;
        } else if (type == "remote" && parse_host_port(rest, host, port)) {
            if (!(o.flags & XC_OPEN_REMOTE_TCP))
                throw refusal{XC_ERR_REMOTE_REFUSED,
                              where + ": names a remote database (" + shown(host) + ":" + std::to_string(port) + ")"};
            add(o, Xapian::Remote::open(host, port));
            o.remote = true;
        } else {
            // Like Xapian, never the line itself: the file may not be a stub
            // at all, and its content is nobody's business.
            throw Xapian::DatabaseOpeningError(where + ": Bad line");
        }
    }
}

void open_stub(opener &o, const std::string &file, int fd, int depth)
{
    std::string text;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() <= STUB_MAX_BYTES)
        text.append(buf, static_cast<size_t>(n));
    int saved = errno;
    ::close(fd);
    if (n < 0)
        throw Xapian::DatabaseOpeningError("Couldn't read stub database file: " + file, saved);
    if (text.size() > STUB_MAX_BYTES)
        throw Xapian::DatabaseOpeningError(file + ": a stub database file larger than 1 MiB");
    open_stub_lines(o, file, text, depth);
}

bool is_regular(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void open_path(opener &o, const std::string &path, int depth)
{
    if (depth > STUB_MAX_DEPTH)
        throw Xapian::DatabaseOpeningError(path + ": stub databases nested more than " +
                                           std::to_string(STUB_MAX_DEPTH) + " deep (a loop?)");
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        throw Xapian::DatabaseOpeningError("Couldn't stat '" + path + "'", errno);
    if (S_ISREG(st.st_mode)) {
        // A single-file glass database (Xapian's own test), else a stub.
        int fd = open_checked(path, st);
        char magic[14];
        if (st.st_size >= 2 * 2048 && ::read(fd, magic, sizeof magic) == static_cast<ssize_t>(sizeof magic) &&
            std::memcmp(magic, "\x0f\x0dXapian Glass", sizeof magic) == 0 && lseek(fd, 0, SEEK_SET) == 0) {
            add(o, Xapian::Database(fd, Xapian::DB_BACKEND_GLASS)); // takes the descriptor
            return;
        }
        if (lseek(fd, 0, SEEK_SET) != 0) {
            ::close(fd);
            throw Xapian::DatabaseOpeningError("Couldn't read '" + path + "'", errno);
        }
        open_stub(o, path, fd, depth);
        return;
    }
    if (!S_ISDIR(st.st_mode))
        throw Xapian::DatabaseOpeningError("Not a regular file or directory: '" + path + "'");
#ifdef XAPIAN_HAS_CHERT_BACKEND
    if (is_regular(path + "/iamchert")) {
        add(o, Xapian::Database(path, Xapian::DB_BACKEND_CHERT));
        return;
    }
#endif
    if (is_regular(path + "/iamglass")) {
        add(o, Xapian::Database(path, Xapian::DB_BACKEND_GLASS));
        return;
    }
    std::string stub = path + "/XAPIANDB";
    struct stat sst;
    if (stat(stub.c_str(), &sst) == 0) {
        if (!S_ISREG(sst.st_mode))
            throw Xapian::DatabaseOpeningError("Not a regular file: '" + stub + "'");
        open_stub(o, stub, open_checked(stub, sst), depth + 1);
        return;
    }
    throw Xapian::DatabaseOpeningError("Couldn't detect type of database: '" + path + "'");
}

Xapian::Database open_database(const std::string &path, unsigned flags, bool *remote = nullptr)
{
    opener o{flags, Xapian::Database(), 0, false};
    open_path(o, path, 0);
    if (remote)
        *remote = o.remote;
    return o.db;
}

/* ------------------------------------------------------------ deadlines */

double monotonic_seconds()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct deadline {
    double at = 0;      // monotonic seconds; HUGE_VAL = none (a stop callback only)
    bool fired = false; // a match was cut short
    int (*stop)(void *) = nullptr; // xc_enquire_set_stop()
    void *stop_arg = nullptr;
};

namespace {
// xc_enquire_set_decider(): the C callback as Xapian's MatchDecider.
struct CDecider : Xapian::MatchDecider {
    CDecider(xc_decide_fn f, void *c) : fn(f), ctx(c) {}
    bool operator()(const Xapian::Document &doc) const override { return fn(ctx, doc.get_docid()) != 0; }
    xc_decide_fn fn;
    void *ctx;
};
} // namespace

// xc_query_docids(): the documents of a list of ids, in increasing order,
// on a database of one shard (a PostingSource sees each shard's own ids).
class DocidSource : public Xapian::PostingSource {
    std::shared_ptr<const std::vector<Xapian::docid>> ids;
    size_t at = 0;
    bool started = false;

  public:
    explicit DocidSource(std::shared_ptr<const std::vector<Xapian::docid>> v) : ids(std::move(v)) {}
    PostingSource *clone() const override { return new DocidSource(ids); }
    void init(const Xapian::Database &) override
    {
        at = 0;
        started = false;
    }
    Xapian::doccount get_termfreq_min() const override { return Xapian::doccount(ids->size()); }
    Xapian::doccount get_termfreq_est() const override { return Xapian::doccount(ids->size()); }
    Xapian::doccount get_termfreq_max() const override { return Xapian::doccount(ids->size()); }
    Xapian::docid get_docid() const override { return (*ids)[at]; }
    bool at_end() const override { return started && at >= ids->size(); }
    void next(double) override
    {
        if (started)
            ++at;
        started = true;
    }
    void skip_to(Xapian::docid did, double) override
    {
        size_t from = started ? at : 0;
        started = true;
        at = size_t(std::lower_bound(ids->begin() + ptrdiff_t(from), ids->end(), did) - ids->begin());
    }
};

// Matches every document of a (sub-)database until the deadline passes,
// then ends, which ends the AND (FILTER) it sits in and so the match.  It
// looks at the clock every 64 documents: a few ns each.
class DeadlineSource : public Xapian::PostingSource {
    std::shared_ptr<deadline> dl;
    Xapian::docid cur = 0, last = 0;
    Xapian::doccount docs = 0;
    unsigned calls = 0;
    bool ended = false;

    void tick()
    {
        if ((calls++ & 63) == 0 && (monotonic_seconds() >= dl->at || (dl->stop && dl->stop(dl->stop_arg)))) {
            ended = true;
            dl->fired = true;
        }
    }

  public:
    explicit DeadlineSource(std::shared_ptr<deadline> d) : dl(std::move(d)) {}
    PostingSource *clone() const override { return new DeadlineSource(dl); }
    void init(const Xapian::Database &db) override
    {
        cur = 0;
        calls = 0;
        ended = false;
        last = db.get_lastdocid();
        docs = db.get_doccount();
    }
    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return docs; }
    Xapian::doccount get_termfreq_max() const override { return docs; }
    Xapian::docid get_docid() const override { return cur; }
    void next(double) override
    {
        ++cur;
        tick();
    }
    void skip_to(Xapian::docid did, double) override
    {
        if (did > cur)
            cur = did;
        tick();
    }
    bool check(Xapian::docid did, double) override
    {
        if (did > cur)
            cur = did;
        tick();
        return true;
    }
    bool at_end() const override { return ended || cur > last; }
};

} // namespace

#define XC_TRY try {
#define XC_CATCH                                                                                             \
    }                                                                                                        \
    catch (...) { return translate_exception(); }
#define XC_CATCH_NULL                                                                                        \
    }                                                                                                        \
    catch (...) {                                                                                            \
        translate_exception();                                                                               \
        return nullptr;                                                                                      \
    }

struct xc_doc {
    Xapian::Document doc;
};
struct xc_db {
    Xapian::Database db;
    std::string path;
    unsigned flags;
    bool remote; // has remote shards
};
struct xc_wdb {
    Xapian::WritableDatabase db;
};
struct xc_query {
    Xapian::Query q;
};
struct xc_mset {
    Xapian::MSet mset;
};

struct facet {
    unsigned slot;
    char sep;
    Xapian::ValueCountMatchSpy *spy; // owned by the Enquire; new for each search
    std::vector<std::pair<std::string, uint32_t>> counts;
};

struct xc_enquire {
    xc_enquire(const Xapian::Database &d, bool r) : enq(d), remote(r) {}
    Xapian::Enquire enq;
    std::vector<facet> facets;
    Xapian::Query query;          // as set, before any deadline filter
    bool remote;
    std::shared_ptr<deadline> dl; // xc_enquire_set_deadline()
    bool timed_out = false;
    int (*stop)(void *) = nullptr; // xc_enquire_set_stop()
    void *stop_arg = nullptr;
    xc_decide_fn decide = nullptr; // xc_enquire_set_decider()
    void *decide_ctx = nullptr;
};

extern "C" {

const char *xc_errmsg(void)
{
    return last_error.c_str();
}

int xc_errstatus(void)
{
    return last_status;
}

void xc_errclear(void)
{
    last_error.clear();
    last_status = XC_OK;
}

const char *xc_status_string(int status)
{
    switch (status) {
    case XC_OK: return "success";
    case XC_ERR_NOMEM: return "out of memory";
    case XC_ERR_INVALID: return "invalid argument";
    case XC_ERR_OPENING: return "database cannot be opened";
    case XC_ERR_LOCKED: return "database is locked";
    case XC_ERR_MODIFIED: return "database was modified";
    case XC_ERR_CORRUPT: return "database is damaged";
    case XC_ERR_VERSION: return "database format is not supported";
    case XC_ERR_NETWORK: return "remote database failed";
    case XC_ERR_NOT_FOUND: return "document not found";
    case XC_ERR_XAPIAN: return "Xapian error";
    case XC_ERR_REMOTE_REFUSED: return "remote database not allowed";
    case XC_ERR_PROGRAM_REFUSED: return "remote database program not allowed";
    default: return "unknown status";
    }
}

/* ---------------------------------------------------------------- docs */

int xc_doc_new(xc_doc **out)
{
    XC_TRY
    *out = new xc_doc;
    return XC_OK;
    XC_CATCH
}

void xc_doc_free(xc_doc *doc)
{
    delete doc;
}

int xc_doc_clear(xc_doc *doc)
{
    XC_TRY
    if (!doc)
        return invalid("xc_doc_clear: NULL document");
    // emptied in place: a new Document costs an allocation and a destructor a passage
    doc->doc.clear_terms();
    doc->doc.clear_values();
    doc->doc.set_data(std::string());
    return XC_OK;
    XC_CATCH
}

int xc_doc_add_posting(xc_doc *doc, const char *term, size_t len, uint32_t pos)
{
    XC_TRY
    doc->doc.add_posting(std::string(term, len), pos);
    return XC_OK;
    XC_CATCH
}

int xc_doc_add_term(xc_doc *doc, const char *term, size_t len, uint32_t wdf_inc)
{
    XC_TRY
    doc->doc.add_term(std::string(term, len), wdf_inc);
    return XC_OK;
    XC_CATCH
}

int xc_doc_add_boolean_term(xc_doc *doc, const char *term, size_t len)
{
    XC_TRY
    doc->doc.add_boolean_term(std::string(term, len));
    return XC_OK;
    XC_CATCH
}

int xc_doc_set_data(xc_doc *doc, const char *data, size_t len)
{
    XC_TRY
    doc->doc.set_data(std::string(data, len));
    return XC_OK;
    XC_CATCH
}

int xc_doc_set_value(xc_doc *doc, unsigned slot, const char *value, size_t len)
{
    XC_TRY
    doc->doc.add_value(slot, std::string(value, len));
    return XC_OK;
    XC_CATCH
}

/* ----------------------------------------------------------- databases */

int xc_db_open(const char *path, unsigned flags, xc_db **out)
{
    XC_TRY
    if (!path || !out)
        return invalid("xc_db_open: NULL argument");
    *out = nullptr;
    bool remote = false;
    Xapian::Database opened = open_database(path, flags, &remote);
    xc_db *db = new xc_db{opened, path, flags, remote};
    *out = db;
    return XC_OK;
    XC_CATCH
}

void xc_db_close(xc_db *db)
{
    if (!db)
        return;
    try {
        db->db.close();
    } catch (...) {
        // closing a database whose remote shard died: nothing to report
    }
    delete db;
}

int xc_db_reopen(xc_db *db, int *changed)
{
    XC_TRY
    // Database::reopen() does not re-read a stub file, so a stub that now
    // points elsewhere (a rebuilt index swapped in) needs a fresh open; and a
    // remote shard whose connection died (its server restarted) only comes
    // back through a fresh open too.
    bool remote = false;
    Xapian::Database fresh = open_database(db->path, db->flags, &remote);
    bool differs;
    try {
        differs = fresh.get_uuid() != db->db.get_uuid() || fresh.get_lastdocid() != db->db.get_lastdocid() ||
                  fresh.get_doccount() != db->db.get_doccount() || db->db.reopen();
    } catch (const Xapian::Error &) {
        differs = true; // the old handle is broken: the fresh one replaces it
    }
    if (differs) {
        db->db = fresh;
        db->remote = remote;
    }
    if (changed)
        *changed = differs ? 1 : 0;
    return XC_OK;
    XC_CATCH
}

int xc_db_doccount(xc_db *db, uint32_t *out)
{
    XC_TRY
    *out = db->db.get_doccount();
    return XC_OK;
    XC_CATCH
}

int xc_db_lastdocid(xc_db *db, uint32_t *out)
{
    XC_TRY
    *out = db->db.get_lastdocid();
    return XC_OK;
    XC_CATCH
}

int xc_db_termfreq(xc_db *db, const char *term, size_t len, uint32_t *out)
{
    XC_TRY
    *out = db->db.get_termfreq(std::string(term, len));
    return XC_OK;
    XC_CATCH
}

int xc_db_get_metadata(xc_db *db, const char *key, char **value, size_t *len)
{
    XC_TRY
    std::string v = db->db.get_metadata(key);
    if (v.empty()) {
        *value = nullptr;
        if (len)
            *len = 0;
        return XC_OK;
    }
    return copy_out(v, value, len);
    XC_CATCH
}

int xc_db_metadata_keys(xc_db *db, const char *prefix, xc_term_fn fn, void *ctx)
{
    XC_TRY
    std::string p(prefix);
    for (auto it = db->db.metadata_keys_begin(p); it != db->db.metadata_keys_end(p); ++it) {
        const std::string &k = *it;
        if (fn(ctx, k.data(), k.size(), 0))
            break;
    }
    return XC_OK;
    XC_CATCH
}

int xc_db_get_data(xc_db *db, xc_docid id, char **data, size_t *len)
{
    XC_TRY
    return copy_out(db->db.get_document(id).get_data(), data, len);
    XC_CATCH
}

int xc_db_get_value(xc_db *db, xc_docid id, unsigned slot, char **value, size_t *len)
{
    XC_TRY
    return copy_out(db->db.get_document(id).get_value(slot), value, len);
    XC_CATCH
}

int xc_db_postings(xc_db *db, const char *term, size_t len, size_t limit, xc_docid **ids, size_t *count)
{
    XC_TRY
    std::string t(term, len);
    std::vector<xc_docid> v;
    for (auto it = db->db.postlist_begin(t); it != db->db.postlist_end(t); ++it) {
        v.push_back(*it);
        if (limit && v.size() >= limit)
            break;
    }
    *ids = static_cast<xc_docid *>(std::malloc((v.size() + 1) * sizeof(xc_docid)));
    if (!*ids)
        return set_error(XC_ERR_NOMEM, "out of memory");
    std::copy(v.begin(), v.end(), *ids);
    *count = v.size();
    return XC_OK;
    XC_CATCH
}

int xc_db_shard_count(xc_db *db, size_t *out)
{
    XC_TRY
    *out = db->db.size();
    return XC_OK;
    XC_CATCH
}

static int allterms(const Xapian::Database &db, const char *prefix, size_t plen, size_t limit, xc_term_fn fn,
                    void *ctx)
{
    std::string p(prefix, plen);
    size_t seen = 0;
    for (auto it = db.allterms_begin(p); it != db.allterms_end(p); ++it) {
        const std::string &t = *it;
        if (fn(ctx, t.data(), t.size(), it.get_termfreq()))
            break;
        if (limit && ++seen >= limit)
            break;
    }
    return XC_OK;
}

int xc_db_allterms(xc_db *db, const char *prefix, size_t plen, size_t limit, xc_term_fn fn, void *ctx)
{
    XC_TRY
    return allterms(db->db, prefix, plen, limit, fn, ctx);
    XC_CATCH
}

int xc_db_values(xc_db *db, unsigned slot, xc_value_fn fn, void *ctx)
{
    XC_TRY
    if (!db || !fn)
        return invalid("xc_db_values: NULL argument");
    if (db->remote)
        return invalid("xc_db_values: a remote shard serves no value stream");
    for (auto it = db->db.valuestream_begin(slot); it != db->db.valuestream_end(slot); ++it) {
        const std::string &v = *it;
        if (fn(ctx, it.get_docid(), v.data(), v.size()))
            break;
    }
    return XC_OK;
    XC_CATCH
}

int xc_wdb_open(const char *path, int mode, xc_wdb **out)
{
    XC_TRY
    if (!path || !out)
        return invalid("xc_wdb_open: NULL argument");
    *out = nullptr;
    int flags = Xapian::DB_BACKEND_GLASS;
    switch (mode & 0x0f) {
    case XC_WDB_CREATE: flags |= Xapian::DB_CREATE; break;
    case XC_WDB_OPEN: flags |= Xapian::DB_OPEN; break;
    case XC_WDB_OVERWRITE: flags |= Xapian::DB_CREATE_OR_OVERWRITE; break;
    default: return invalid("xc_wdb_open: bad mode");
    }
    if (mode & XC_WDB_NO_SYNC)
        flags |= Xapian::DB_NO_SYNC;
    if (mode & XC_WDB_NO_TERMLIST)
        flags |= Xapian::DB_NO_TERMLIST;
    *out = new xc_wdb{Xapian::WritableDatabase(path, flags)};
    return XC_OK;
    XC_CATCH
}

void xc_wdb_close(xc_wdb *db)
{
    if (!db)
        return;
    try {
        // close() would commit; a caller that wanted its changes committed them.
        db->db.cancel_transaction();
    } catch (...) {
    }
    try {
        db->db.close();
    } catch (...) {
    }
    delete db;
}

int xc_wdb_add_document(xc_wdb *db, xc_doc *doc, xc_docid *id)
{
    XC_TRY
    Xapian::docid d = db->db.add_document(doc->doc);
    if (id)
        *id = d;
    return XC_OK;
    XC_CATCH
}

int xc_wdb_replace_by_term(xc_wdb *db, const char *term, size_t len, xc_doc *doc)
{
    XC_TRY
    db->db.replace_document(std::string(term, len), doc->doc);
    return XC_OK;
    XC_CATCH
}

int xc_wdb_delete_by_term(xc_wdb *db, const char *term, size_t len)
{
    XC_TRY
    db->db.delete_document(std::string(term, len));
    return XC_OK;
    XC_CATCH
}

/* ----------------------------------------------------- fatal errors */

namespace {
xc_fatal_fn fatal_fn;
std::terminate_handler previous_terminate;

// Xapian 1.4 writes from some destructors (glass's ValueUpdater flushes its
// chunk from ~ValueUpdater): when the disk fills during a commit, such a
// destructor throws while the first exception unwinds, and C++ calls
// std::terminate.  No catch can stop that; this handler at least ends the
// process the caller's way (a message, its own cleanup) instead of abort().
[[noreturn]] void on_terminate()
{
    std::string what = "an error escaped while Xapian was cleaning up";
    try {
        std::exception_ptr e = std::current_exception();
        if (e)
            std::rethrow_exception(e);
    } catch (const Xapian::Error &e) {
        what = e.get_description();
    } catch (const std::exception &e) {
        what = e.what();
    } catch (...) {
    }
    if (fatal_fn)
        fatal_fn(what.c_str());
    if (previous_terminate)
        previous_terminate();
    std::abort();
}
} // namespace

int xc_set_error(int status, const char *msg)
{
    return set_error(status, msg ? msg : "");
}

void xc_set_fatal(xc_fatal_fn fn)
{
    fatal_fn = fn;
    std::terminate_handler old = std::set_terminate(on_terminate);
    if (old != on_terminate)
        previous_terminate = old;
}

int xc_wdb_commit(xc_wdb *db)
{
    XC_TRY
    db->db.commit();
    return XC_OK;
    XC_CATCH
}

int xc_wdb_set_metadata(xc_wdb *db, const char *key, const char *value, size_t len)
{
    XC_TRY
    db->db.set_metadata(key, std::string(value, len));
    return XC_OK;
    XC_CATCH
}

int xc_wdb_get_metadata(xc_wdb *db, const char *key, char **value, size_t *len)
{
    XC_TRY
    std::string v = db->db.get_metadata(key);
    if (v.empty()) {
        *value = nullptr;
        if (len)
            *len = 0;
        return XC_OK;
    }
    return copy_out(v, value, len);
    XC_CATCH
}

int xc_wdb_doccount(xc_wdb *db, uint32_t *out)
{
    XC_TRY
    *out = db->db.get_doccount();
    return XC_OK;
    XC_CATCH
}

int xc_wdb_allterms(xc_wdb *db, const char *prefix, size_t plen, size_t limit, xc_term_fn fn, void *ctx)
{
    XC_TRY
    return allterms(db->db, prefix, plen, limit, fn, ctx);
    XC_CATCH
}

int xc_wdb_postings(xc_wdb *db, const char *term, size_t len, xc_docid **ids, size_t *count)
{
    XC_TRY
    std::string t(term, len);
    std::vector<xc_docid> v;
    for (auto it = db->db.postlist_begin(t); it != db->db.postlist_end(t); ++it)
        v.push_back(*it);
    *ids = static_cast<xc_docid *>(std::malloc((v.size() + 1) * sizeof(xc_docid)));
    if (!*ids)
        return set_error(XC_ERR_NOMEM, "out of memory");
    std::copy(v.begin(), v.end(), *ids);
    *count = v.size();
    return XC_OK;
    XC_CATCH
}

int xc_wdb_get_data(xc_wdb *db, xc_docid id, char **data, size_t *len)
{
    XC_TRY
    return copy_out(db->db.get_document(id).get_data(), data, len);
    XC_CATCH
}

int xc_compact(const char *const *sources, size_t n, const char *dest)
{
    XC_TRY
    if (!sources || n == 0 || !dest)
        return invalid("xc_compact: no sources");
    Xapian::Database src;
    for (size_t i = 0; i < n; i++)
        src.add_database(open_database(sources[i], XC_OPEN_LOCAL));
    src.compact(dest, Xapian::DBCOMPACT_MULTIPASS);
    return XC_OK;
    XC_CATCH
}

/* ------------------------------------------------------------- queries */

xc_query *xc_query_term(const char *term, size_t len, uint32_t wqf)
{
    XC_TRY
    return new xc_query{Xapian::Query(std::string(term, len), wqf ? wqf : 1)};
    XC_CATCH_NULL
}

xc_query *xc_query_combine(xc_op op, xc_query *const *subs, size_t n, unsigned window)
{
    XC_TRY
    static const Xapian::Query::op ops[] = {
        Xapian::Query::OP_AND,       Xapian::Query::OP_OR,     Xapian::Query::OP_AND_NOT,
        Xapian::Query::OP_AND_MAYBE, Xapian::Query::OP_FILTER, Xapian::Query::OP_PHRASE,
        Xapian::Query::OP_NEAR,      Xapian::Query::OP_SYNONYM, Xapian::Query::OP_ELITE_SET,
    };
    if ((unsigned)op >= sizeof ops / sizeof ops[0]) {
        invalid("xc_query_combine: bad operator");
        return nullptr;
    }
    std::vector<Xapian::Query> v;
    v.reserve(n);
    for (size_t i = 0; i < n; i++) {
        if (!subs[i]) {
            invalid("xc_query_combine: NULL subquery");
            return nullptr;
        }
        v.push_back(subs[i]->q);
    }
    return new xc_query{Xapian::Query(ops[op], v.begin(), v.end(), window)};
    XC_CATCH_NULL
}

xc_query *xc_query_fixed_weight(double weight)
{
    XC_TRY
    // The Query keeps its own reference to the source (release() hands it over).
    auto *src = new Xapian::FixedWeightPostingSource(weight);
    return new xc_query{Xapian::Query(src->release())};
    XC_CATCH_NULL
}

xc_query *xc_query_scale(xc_query *q, double factor)
{
    XC_TRY
    return new xc_query{Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q->q, factor)};
    XC_CATCH_NULL
}

xc_query *xc_query_docids(const xc_docid *ids, size_t n)
{
    XC_TRY
    auto v = std::make_shared<std::vector<Xapian::docid>>(ids, ids + n);
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
    return new xc_query{Xapian::Query((new DocidSource(std::move(v)))->release())};
    XC_CATCH_NULL
}

xc_query *xc_query_match_all(void)
{
    XC_TRY
    return new xc_query{Xapian::Query::MatchAll};
    XC_CATCH_NULL
}

xc_query *xc_query_match_nothing(void)
{
    XC_TRY
    return new xc_query{Xapian::Query::MatchNothing};
    XC_CATCH_NULL
}

xc_query *xc_query_value_range(unsigned slot, const char *lo, size_t lolen, const char *hi, size_t hilen)
{
    XC_TRY
    return new xc_query{Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, std::string(lo, lolen),
                                      std::string(hi, hilen))};
    XC_CATCH_NULL
}

xc_query *xc_query_copy(const xc_query *q)
{
    XC_TRY
    return new xc_query{q->q};
    XC_CATCH_NULL
}

void xc_query_free(xc_query *q)
{
    delete q;
}

char *xc_query_describe(const xc_query *q)
{
    XC_TRY
    char *out = nullptr;
    if (copy_out(q->q.get_description(), &out, nullptr) != XC_OK)
        return nullptr;
    return out;
    XC_CATCH_NULL
}

/* -------------------------------------------------------------- search */

int xc_enquire_new(xc_db *db, xc_enquire **out)
{
    XC_TRY
    *out = new xc_enquire(db->db, db->remote);
    return XC_OK;
    XC_CATCH
}

void xc_enquire_free(xc_enquire *enq)
{
    delete enq;
}

int xc_enquire_set_query(xc_enquire *enq, const xc_query *q)
{
    XC_TRY
    enq->enq.set_query(q->q);
    enq->query = q->q;
    return XC_OK;
    XC_CATCH
}

int xc_enquire_set_deadline(xc_enquire *enq, double seconds)
{
    XC_TRY
    enq->timed_out = false;
    if (seconds <= 0 && !enq->stop) {
        enq->dl.reset();
        enq->enq.set_time_limit(0.0);
        enq->enq.set_query(enq->query);
        return XC_OK;
    }
    enq->dl = std::make_shared<deadline>();
    enq->dl->at = seconds > 0 ? monotonic_seconds() + seconds : HUGE_VAL;
    enq->dl->stop = enq->stop;
    enq->dl->stop_arg = enq->stop_arg;
    return XC_OK;
    XC_CATCH
}

int xc_enquire_set_stop(xc_enquire *enq, int (*stop)(void *arg), void *arg)
{
    XC_TRY
    enq->stop = stop;
    enq->stop_arg = arg;
    return XC_OK;
    XC_CATCH
}

int xc_enquire_timed_out(const xc_enquire *enq)
{
    return enq && enq->timed_out ? 1 : 0;
}

int xc_enquire_set_bm25(xc_enquire *enq, double k1, double k2, double k3, double b, double min_normlen)
{
    XC_TRY
    enq->enq.set_weighting_scheme(Xapian::BM25Weight(k1, k2, k3, b, min_normlen));
    return XC_OK;
    XC_CATCH
}

int xc_enquire_set_boolean(xc_enquire *enq)
{
    XC_TRY
    enq->enq.set_weighting_scheme(Xapian::BoolWeight());
    return XC_OK;
    XC_CATCH
}

int xc_enquire_set_sort(xc_enquire *enq, int slot, int descending)
{
    XC_TRY
    if (slot == XC_SORT_RELEVANCE)
        enq->enq.set_sort_by_relevance();
    else if (slot < 0)
        return invalid("xc_enquire_set_sort: bad slot");
    else
        enq->enq.set_sort_by_value_then_relevance(static_cast<Xapian::valueno>(slot), descending != 0);
    return XC_OK;
    XC_CATCH
}

int xc_enquire_set_collapse(xc_enquire *enq, int slot, uint32_t max)
{
    XC_TRY
    if (slot == XC_COLLAPSE_NONE)
        enq->enq.set_collapse_key(Xapian::BAD_VALUENO);
    else if (slot < 0 || max == 0)
        return invalid("xc_enquire_set_collapse: bad slot or count");
    else
        enq->enq.set_collapse_key(static_cast<Xapian::valueno>(slot), max);
    return XC_OK;
    XC_CATCH
}

int xc_enquire_add_facet(xc_enquire *enq, unsigned slot, char sep, size_t *index)
{
    XC_TRY
    // ValueCountMatchSpy is built into Xapian, so it also runs on remote
    // shards served by xapian-tcpsrv; a value listing several facets is
    // split here, on the client, which gives exact per-facet counts since
    // each document contributes its value string once.
    enq->facets.push_back(facet{slot, sep, nullptr, {}});
    *index = enq->facets.size() - 1;
    return XC_OK;
    XC_CATCH
}

int xc_enquire_facet(xc_enquire *enq, size_t index, size_t n, const char **value, size_t *vlen, uint32_t *count)
{
    XC_TRY
    if (index >= enq->facets.size())
        return invalid("xc_enquire_facet: no such facet");
    const auto &c = enq->facets[index].counts;
    if (n >= c.size())
        return set_error(XC_ERR_NOT_FOUND, "no more facet values");
    *value = c[n].first.data();
    *vlen = c[n].first.size();
    *count = c[n].second;
    return XC_OK;
    XC_CATCH
}

int xc_enquire_set_decider(xc_enquire *enq, xc_decide_fn fn, void *ctx)
{
    XC_TRY
    if (!enq)
        return invalid("xc_enquire_set_decider: NULL enquire");
    if (fn && enq->remote)
        return invalid("xc_enquire_set_decider: remote shards run no callback");
    enq->decide = fn;
    enq->decide_ctx = ctx;
    return XC_OK;
    XC_CATCH
}

int xc_enquire_mset(xc_enquire *enq, uint32_t first, uint32_t max, uint32_t check_at_least, xc_mset **out)
{
    XC_TRY
    *out = nullptr;
    // A spy's counts accumulate over searches; fresh spies start from zero.
    enq->enq.clear_matchspies();
    for (auto &f : enq->facets) {
        f.spy = new Xapian::ValueCountMatchSpy(f.slot);
        enq->enq.add_matchspy(f.spy->release());
    }
    if (enq->dl) {
        // the time left, for Xapian's own limit (0 would mean none)
        double left = enq->dl->at - monotonic_seconds();
        enq->enq.set_time_limit(enq->dl->at == HUGE_VAL ? 0.0 : left > 0.001 ? left : 0.001);
        enq->dl->fired = false;
        if (!enq->remote)
            enq->enq.set_query(Xapian::Query(Xapian::Query::OP_FILTER, enq->query,
                                             Xapian::Query((new DeadlineSource(enq->dl))->release())));
    }
    CDecider decider(enq->decide, enq->decide_ctx);
    auto *m = new xc_mset{enq->enq.get_mset(first, max, check_at_least, nullptr, enq->decide ? &decider : nullptr)};
    if (enq->dl && (enq->dl->fired || monotonic_seconds() >= enq->dl->at))
        enq->timed_out = true;
    for (auto &f : enq->facets) {
        std::unordered_map<std::string, uint32_t> counts;
        for (auto it = f.spy->values_begin(); it != f.spy->values_end(); ++it) {
            const std::string &v = *it;
            uint32_t freq = it.get_termfreq();
            if (!f.sep) {
                counts[v] += freq;
                continue;
            }
            size_t start = 0;
            while (start <= v.size()) {
                size_t end = v.find(f.sep, start);
                if (end == std::string::npos)
                    end = v.size();
                if (end > start)
                    counts[v.substr(start, end - start)] += freq;
                start = end + 1;
            }
        }
        f.counts.assign(counts.begin(), counts.end());
        std::sort(f.counts.begin(), f.counts.end(), [](const auto &a, const auto &b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
    }
    *out = m;
    return XC_OK;
    XC_CATCH
}

void xc_mset_free(xc_mset *m)
{
    delete m;
}

size_t xc_mset_size(const xc_mset *m)
{
    return m ? m->mset.size() : 0;
}

uint32_t xc_mset_matches_estimated(const xc_mset *m)
{
    return m ? m->mset.get_matches_estimated() : 0;
}

uint32_t xc_mset_matches_lower_bound(const xc_mset *m)
{
    return m ? m->mset.get_matches_lower_bound() : 0;
}

uint32_t xc_mset_matches_upper_bound(const xc_mset *m)
{
    return m ? m->mset.get_matches_upper_bound() : 0;
}

double xc_mset_max_possible(const xc_mset *m)
{
    return m ? m->mset.get_max_possible() : 0.0;
}

int xc_mset_docid(const xc_mset *m, size_t i, xc_docid *id)
{
    XC_TRY
    if (i >= m->mset.size())
        return invalid("xc_mset_docid: index out of range");
    *id = *(m->mset[static_cast<Xapian::doccount>(i)]);
    return XC_OK;
    XC_CATCH
}

int xc_mset_weight(const xc_mset *m, size_t i, double *w)
{
    XC_TRY
    if (i >= m->mset.size())
        return invalid("xc_mset_weight: index out of range");
    *w = m->mset[static_cast<Xapian::doccount>(i)].get_weight();
    return XC_OK;
    XC_CATCH
}

uint32_t xc_mset_collapse_count(const xc_mset *m, size_t i)
{
    try {
        if (!m || i >= m->mset.size())
            return 0;
        return m->mset[static_cast<Xapian::doccount>(i)].get_collapse_count();
    } catch (...) {
        translate_exception();
        return 0;
    }
}

int xc_mset_data(xc_mset *m, size_t i, char **data, size_t *len)
{
    XC_TRY
    if (i >= m->mset.size())
        return invalid("xc_mset_data: index out of range");
    return copy_out(m->mset[static_cast<Xapian::doccount>(i)].get_document().get_data(), data, len);
    XC_CATCH
}

int xc_mset_value(xc_mset *m, size_t i, unsigned slot, char **value, size_t *len)
{
    XC_TRY
    if (i >= m->mset.size())
        return invalid("xc_mset_value: index out of range");
    return copy_out(m->mset[static_cast<Xapian::doccount>(i)].get_document().get_value(slot), value, len);
    XC_CATCH
}

int xc_mset_matching_terms(xc_enquire *enq, xc_mset *m, size_t i, xc_term_fn fn, void *ctx)
{
    XC_TRY
    if (i >= m->mset.size())
        return invalid("xc_mset_matching_terms: index out of range");
    auto hit = m->mset[static_cast<Xapian::doccount>(i)];
    for (auto t = enq->enq.get_matching_terms_begin(hit); t != enq->enq.get_matching_terms_end(hit); ++t) {
        const std::string &s = *t;
        if (fn(ctx, s.data(), s.size(), 0))
            break;
    }
    return XC_OK;
    XC_CATCH
}

} // extern "C"
