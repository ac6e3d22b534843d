package firehose

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// zstdDecoder is a zstd decoder independent of zstdHuffman.Decode's pool.
var zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))

func hexBytes(rng *rand.Rand, n int) []byte {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[rng.IntN(16)]
	}
	return b
}

// TestZstdHuffman_RoundTrip encodes inputs that take each kind of block and
// decodes them with klauspost's zstd decoder (DuckDB's libzstd reads them in
// TestAutoCompression_PicksCodecByData). It checks the size too: Huffman
// coding must bring hex digits near 4 bits each, and the other kinds must
// cost no more than a few bytes over the input.
func TestZstdHuffman_RoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 300<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	for _, c := range []struct {
		name     string
		in       []byte
		maxRatio float64 // output/input at most, frame overhead aside
	}{
		{"empty", nil, 0},
		{"one byte", []byte("x"), 1},
		{"short text, a raw block", []byte("arn:aws:iam::123456789012:user/alice"), 1},
		{"one byte repeated, an RLE block", bytes.Repeat([]byte{'a'}, 5000), 0.01},
		{"hex digits in one block", hexBytes(rng, 100<<10), 0.52},
		{"hex digits in nine blocks, the last short", hexBytes(rng, 1<<20+1234), 0.52},
		{"a block of exactly 128 KiB", hexBytes(rng, 128<<10), 0.52},
		{"random bytes, raw blocks", random, 1},
		{"text then random", append(bytes.Repeat([]byte("GetObject "), 20000), random[:50000]...), 0.75},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := huffmanCodec.Encode(nil, c.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := zstdDecoder.DecodeAll(out, nil)
			if err != nil {
				t.Fatalf("zstd cannot decode the frame: %v", err)
			}
			if !bytes.Equal(got, c.in) {
				t.Fatalf("decoded %d bytes differ from the %d encoded", len(got), len(c.in))
			}
			// Frame header 9 bytes, block headers 3 bytes per 128 KiB.
			overhead := 9 + 3*(len(c.in)/(128<<10)+1)
			if limit := c.maxRatio*float64(len(c.in)) + float64(overhead); float64(len(out)) > limit {
				t.Errorf("%d bytes in, %d out: more than %.0f", len(c.in), len(out), limit)
			}
			back, err := huffmanCodec.Decode(nil, out)
			if err != nil || !bytes.Equal(back, c.in) {
				t.Errorf("the codec's own Decode: %v", err)
			}
		})
	}
}

// TestZstdHuffman_ReusedBuffers encodes into the previous output's buffer,
// as the writer does, from several goroutines at once (the codec is shared
// by every table's writer).
func TestZstdHuffman_ReusedBuffers(t *testing.T) {
	done := make(chan error)
	for g := range 4 {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			var out []byte
			for i := range 50 {
				in := hexBytes(rng, 1+rng.IntN(300<<10))
				var err error
				if out, err = huffmanCodec.Encode(out, in); err != nil {
					done <- err
					return
				}
				if got, err := zstdDecoder.DecodeAll(out, nil); err != nil || !bytes.Equal(got, in) {
					done <- fmt.Errorf("goroutine %d, input %d (%d bytes): decoded %d bytes, %v", g, i, len(in), len(got), err)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// FuzzZstdHuffman checks that any input comes back from a zstd decoder.
func FuzzZstdHuffman(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	f.Add([]byte{})
	f.Add([]byte("eventid"))
	f.Add(bytes.Repeat([]byte{0}, 2000))
	f.Add(hexBytes(rng, 5000))
	f.Add(append(hexBytes(rng, 1500), bytes.Repeat([]byte{7}, 1500)...))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := huffmanCodec.Encode(nil, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := zstdDecoder.DecodeAll(out, nil)
		if err != nil {
			t.Fatalf("zstd cannot decode the frame of %d bytes: %v", len(in), err)
		}
		if !bytes.Equal(got, in) {
			t.Fatalf("decoded %d bytes differ from the %d encoded", len(got), len(in))
		}
	})
}
