package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Cluster is an embedded NATS JetStream cluster on 127.0.0.1. Unless
// started Direct, its routes run through loopback proxies, one per ordered
// pair of servers, so that a server can be cut off (Partition) and joined
// again (Heal); each server's cluster advertise address is then a dead
// port, so routes learned by gossip cannot bypass the proxies. It is safe
// for concurrent use.
type Cluster struct {
	dir    string
	n      int
	direct bool
	cport  []int // cluster listen port of each server
	dead   string

	mu      sync.Mutex
	srv     []*server.Server
	proxies map[[2]int]*proxy // from, to
}

// ClusterOptions are the options of StartClusterWith.
type ClusterOptions struct {
	// Direct routes the servers straight to each other, without the
	// proxies: the hops of a real deployment, for benchmarks. A direct
	// cluster cannot be partitioned.
	Direct bool
}

// ErrDirect is returned by Partition and Heal on a Direct cluster.
var ErrDirect = errors.New("e2e: a direct cluster has no route proxies to cut")

// StartCluster starts n servers with JetStream, their stores under dir,
// their routes through proxies, and waits until JetStream answers. Errors:
// a port, a server or JetStream not ready within 20 s.
func StartCluster(dir string, n int) (*Cluster, error) {
	return StartClusterWith(dir, n, ClusterOptions{})
}

// StartClusterWith is StartCluster with options.
func StartClusterWith(dir string, n int, opts ClusterOptions) (*Cluster, error) {
	c := &Cluster{dir: dir, n: n, direct: opts.Direct, srv: make([]*server.Server, n), proxies: map[[2]int]*proxy{}}
	// The proxies listen first, so that the cluster ports picked next
	// cannot be one of theirs.
	for i := range n {
		for j := range n {
			if i != j && !c.direct {
				p, err := newProxy()
				if err != nil {
					c.Shutdown()
					return nil, err
				}
				c.proxies[[2]int{i, j}] = p
			}
		}
	}
	ports, err := freePorts(n + 1)
	if err != nil {
		c.Shutdown()
		return nil, err
	}
	c.cport, c.dead = ports[:n], "127.0.0.1:"+strconv.Itoa(ports[n])
	for k, p := range c.proxies {
		p.mu.Lock()
		p.target = "127.0.0.1:" + strconv.Itoa(c.cport[k[1]])
		p.mu.Unlock()
	}
	for i := range n {
		if err := c.start(i); err != nil {
			c.Shutdown()
			return nil, err
		}
	}
	if err := c.WaitReady(20 * time.Second); err != nil {
		c.Shutdown()
		return nil, err
	}
	return c, nil
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Name returns server i's name.
func Name(i int) string { return "n" + strconv.Itoa(i) }

func (c *Cluster) options(i int) *server.Options {
	o := &server.Options{
		ServerName: Name(i), Host: "127.0.0.1", Port: -1,
		NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: filepath.Join(c.dir, Name(i)),
		Cluster: server.ClusterOpts{
			// A name of its own: a server of another cluster on this
			// machine that learns one of its addresses cannot join it.
			Name: "agora-" + strconv.Itoa(c.cport[0]), Host: "127.0.0.1", Port: c.cport[i],
			Advertise: c.dead,
		},
	}
	if c.direct {
		o.Cluster.Advertise = ""
	}
	return o
}

func (c *Cluster) start(i int) error {
	o := c.options(i)
	for j := range c.n {
		switch {
		case j == i:
		case c.direct:
			o.Routes = append(o.Routes, routeURL("127.0.0.1:"+strconv.Itoa(c.cport[j])))
		default:
			o.Routes = append(o.Routes, routeURL(c.proxies[[2]int{i, j}].addr()))
		}
	}
	s, err := server.NewServer(o)
	if err != nil {
		return err
	}
	s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		s.WaitForShutdown()
		return fmt.Errorf("e2e: server %s not ready", Name(i))
	}
	c.mu.Lock()
	c.srv[i] = s
	c.mu.Unlock()
	return nil
}

func routeURL(addr string) *url.URL { return &url.URL{Scheme: "nats-route", Host: addr} }

// WaitReady waits until JetStream answers through every running server
// and its meta leader sees them all.
func (c *Cluster) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for i := range c.n {
		s := c.server(i)
		if s == nil {
			continue
		}
		for {
			err := func() error {
				nc, err := nats.Connect(s.ClientURL(), nats.NoReconnect())
				if err != nil {
					return err
				}
				defer nc.Close()
				js, err := jetstream.New(nc)
				if err != nil {
					return err
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				_, err = js.AccountInfo(ctx)
				return err
			}()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("e2e: JetStream not ready through %s: %w", Name(i), err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// The meta leader must see every running server with JetStream, or an
	// R3 stream created next may find "no suitable peers for placement".
	for !c.metaSeesAll() {
		if time.Now().After(deadline) {
			return errors.New("e2e: the JetStream meta leader does not see every running server")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// metaSeesAll reports whether a running server leads the JetStream meta
// group and counts every running server among its peers.
func (c *Cluster) metaSeesAll() bool {
	running := 0
	var leader *server.Server
	for i := range c.n {
		if s := c.server(i); s != nil {
			running++
			if s.JetStreamIsLeader() {
				leader = s
			}
		}
	}
	return leader != nil && len(leader.JetStreamClusterPeers()) >= running
}

func (c *Cluster) server(i int) *server.Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.srv[i]
}

// N returns the number of servers.
func (c *Cluster) N() int { return c.n }

// URL returns the client URL of server i, "" while it is stopped.
func (c *Cluster) URL(i int) string {
	if s := c.server(i); s != nil {
		return s.ClientURL()
	}
	return ""
}

// URLs returns the client URLs of the running servers, comma-separated.
func (c *Cluster) URLs() string {
	var out string
	for i := range c.n {
		if u := c.URL(i); u != "" {
			if out != "" {
				out += ","
			}
			out += u
		}
	}
	return out
}

// Index returns the index of the server named name, or -1.
func (c *Cluster) Index(name string) int {
	for i := range c.n {
		if Name(i) == name {
			return i
		}
	}
	return -1
}

// Stop shuts server i down (a crash: its store stays).
func (c *Cluster) Stop(i int) {
	c.mu.Lock()
	s := c.srv[i]
	c.srv[i] = nil
	c.mu.Unlock()
	if s != nil {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

// Restart starts server i again on its store.
func (c *Cluster) Restart(i int) error {
	c.Stop(i)
	return c.start(i)
}

// Partition cuts server i's routes to and from every other server.
// Errors: ErrDirect.
func (c *Cluster) Partition(i int) error { return c.setRoutes(i, false) }

// Heal joins server i again. Errors: ErrDirect.
func (c *Cluster) Heal(i int) error { return c.setRoutes(i, true) }

func (c *Cluster) setRoutes(i int, up bool) error {
	if c.direct {
		return ErrDirect
	}
	for k, p := range c.proxies {
		if k[0] == i || k[1] == i {
			p.set(up)
		}
	}
	return nil
}

// Shutdown stops every server and proxy.
func (c *Cluster) Shutdown() {
	for i := range c.n {
		c.Stop(i)
	}
	for _, p := range c.proxies {
		p.close()
	}
}

// StreamLeader returns the index of the server leading stream name.
func StreamLeader(ctx context.Context, js jetstream.JetStream, c *Cluster, name string) (int, error) {
	s, err := js.Stream(ctx, name)
	if err != nil {
		return -1, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return -1, err
	}
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return -1, errors.New("e2e: no leader")
	}
	return c.Index(info.Cluster.Leader), nil
}

// proxy forwards TCP connections to one address while up.
type proxy struct {
	ln net.Listener

	mu     sync.Mutex
	target string
	up     bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// newProxy listens; its target is set before any server dials it.
func newProxy() (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, up: true, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		up, target := p.up, p.target
		p.mu.Unlock()
		if !up {
			in.Close()
			continue
		}
		out, err := net.DialTimeout("tcp", target, time.Second)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		if !p.up {
			p.mu.Unlock()
			in.Close()
			out.Close()
			continue
		}
		p.conns[in], p.conns[out] = struct{}{}, struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			defer p.wg.Done()
			_, _ = io.Copy(dst, src)
			dst.Close()
			src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		go pipe(in, out)
		go pipe(out, in)
	}
}

func (p *proxy) set(up bool) {
	p.mu.Lock()
	p.up = up
	var cs []net.Conn
	if !up {
		for c := range p.conns {
			cs = append(cs, c)
		}
	}
	p.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
}

func (p *proxy) close() {
	p.ln.Close()
	p.set(false)
	p.wg.Wait()
}
