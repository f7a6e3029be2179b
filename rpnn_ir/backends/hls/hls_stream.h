// hls_stream.h: rpnn's own minimal hls::stream for C simulation with g++ (not for synthesis:
// Vitis HLS uses its own header). An unbounded FIFO over std::deque; reading an empty stream
// aborts with the stream's name, since in hardware it would block forever.
#ifndef RPNN_HLS_STREAM_H
#define RPNN_HLS_STREAM_H

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

#define RPNN_CSIM_STREAM 1

namespace hls {

// Words left in streams when they were destroyed (a unit that reads too little).
inline long &stream_leftover_words() {
    static long count = 0;
    return count;
}

template <typename T>
class stream {
  public:
    stream() : name_("stream") {}
    explicit stream(const char *name) : name_(name) {}
    stream(const stream &) = delete;
    stream &operator=(const stream &) = delete;
    ~stream() {
        if (!queue_.empty()) {
            std::fprintf(stderr, "hls::stream '%s': %zu words left\n", name_.c_str(),
                         queue_.size());
            stream_leftover_words() += static_cast<long>(queue_.size());
        }
    }

    T read() {
        if (queue_.empty()) {
            std::fprintf(stderr, "hls::stream '%s': read from an empty stream\n",
                         name_.c_str());
            std::abort();
        }
        T value = queue_.front();
        queue_.pop_front();
        return value;
    }
    void read(T &value) { value = read(); }
    bool read_nb(T &value) {
        if (queue_.empty()) {
            return false;
        }
        value = read();
        return true;
    }
    void operator>>(T &value) { value = read(); }

    void write(const T &value) { queue_.push_back(value); }
    bool write_nb(const T &value) {
        write(value);
        return true;
    }
    void operator<<(const T &value) { write(value); }

    bool empty() const { return queue_.empty(); }
    bool full() const { return false; }
    std::size_t size() const { return queue_.size(); }
    const char *name() const { return name_.c_str(); }

  private:
    std::deque<T> queue_;
    std::string name_;
};

}  // namespace hls

#endif  // RPNN_HLS_STREAM_H
