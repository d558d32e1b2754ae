package faulttest

import (
	"net"
	"sync"
	"testing"
)

// proxy is a loopback TCP proxy in front of Postgres that can blackhole the
// database (connections are accepted, bytes are held and nothing is
// forwarded either way, as when packets are dropped) or cut it (every
// connection closed, new ones closed as soon as they are accepted).
type proxy struct {
	l        net.Listener
	upstream string

	mu      sync.Mutex
	cond    *sync.Cond
	holed   bool
	cutOff  bool
	conns   map[net.Conn]struct{}
	closing bool
	wg      sync.WaitGroup
}

func newProxy(t *testing.T, upstream string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, upstream: upstream, conns: map[net.Conn]struct{}{}}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return p.l.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) serve(client net.Conn) {
	defer p.wg.Done()
	if !p.track(client) || p.isCut() {
		_ = client.Close()
		return
	}
	// A blackholed database does not even answer the handshake.
	if !p.waitOpen() {
		_ = client.Close()
		return
	}
	server, err := net.Dial("tcp", p.upstream)
	if err != nil || !p.track(server) || p.isCut() {
		_ = client.Close()
		if server != nil {
			_ = server.Close()
		}
		return
	}
	var both sync.WaitGroup
	both.Add(2)
	go func() { defer both.Done(); p.pipe(server, client) }()
	go func() { defer both.Done(); p.pipe(client, server) }()
	both.Wait()
}

// pipe copies src to dst, holding each chunk while the proxy is blackholed.
func (p *proxy) pipe(dst, src net.Conn) {
	defer func() { _ = dst.Close(); _ = src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.waitOpen() {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil { // io.EOF or a closed connection: either way the pipe ends
			return
		}
	}
}

// waitOpen blocks while the proxy is blackholed; false once it is closing.
func (p *proxy) waitOpen() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.holed && !p.closing {
		p.cond.Wait()
	}
	return !p.closing
}

func (p *proxy) isCut() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cutOff
}

// cut starts or ends the cut: starting it closes every open connection.
func (p *proxy) cut(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutOff = on
	if on {
		for c := range p.conns {
			_ = c.Close()
		}
	}
}

// blackhole starts or ends the blackhole.
func (p *proxy) blackhole(on bool) {
	p.mu.Lock()
	p.holed = on
	p.mu.Unlock()
	p.cond.Broadcast()
}

func (p *proxy) close() {
	_ = p.l.Close()
	p.mu.Lock()
	p.closing = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.cond.Broadcast()
	p.wg.Wait()
}
