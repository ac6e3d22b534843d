package firehose

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"sync"

	"github.com/klauspost/compress/huff0"
	"github.com/parquet-go/parquet-go/format"
)

// zstdHuffman is a Parquet ZSTD codec for data with nothing to repeat, such
// as random ids: it writes standard zstd frames (RFC 8878) whose blocks
// hold Huffman-coded literals and no sequences, skipping the search for
// matches that costs zstd most of its time there and finds nothing. Any
// zstd decoder reads the frames, and reads them as fast as any zstd.
// Encoding hex ids this way takes about a third of zstd's fastest level for
// the same size; on data with repeats its output is far larger, which is
// why auto compression only keeps it where it is not (pqWriter.compress).
type zstdHuffman struct {
	scratch sync.Pool // *huff0.Scratch
}

func (*zstdHuffman) String() string                            { return "ZSTD" }
func (*zstdHuffman) CompressionCodec() format.CompressionCodec { return format.Zstd }

// Decode reads any zstd frame.
func (*zstdHuffman) Decode(dst, src []byte) ([]byte, error) { return zstdCodec.Decode(dst, src) }

const (
	zstdMagic    = 0xFD2FB528
	zstdMaxBlock = 128 << 10 // Block_Maximum_Size
	// Blocks are raw below this size (as the reference encoder does: the
	// Huffman table would cost more than it saves).
	zstdMinHuffman = 1024
	// zstd block types.
	zstdBlockRaw        = 0
	zstdBlockRLE        = 1
	zstdBlockCompressed = 2
	// Literals_Block_Type of Huffman-coded literals with their table.
	zstdLiteralsCompressed = 2
)

// Encode writes src as one zstd frame: a single-segment frame header with
// the content size, then blocks of up to 128 KiB, each Huffman-coded when
// that makes it smaller, else stored (or one byte repeated, RLE).
func (c *zstdHuffman) Encode(dst, src []byte) ([]byte, error) {
	s, _ := c.scratch.Get().(*huff0.Scratch)
	if s == nil {
		s = &huff0.Scratch{}
	}
	defer c.scratch.Put(s)

	dst = binary.LittleEndian.AppendUint32(dst[:0], zstdMagic)
	// Frame_Header_Descriptor: Frame_Content_Size_flag 2 (4 bytes),
	// Single_Segment_flag set (no window descriptor), no checksum, no
	// dictionary.
	dst = append(dst, 2<<6|1<<5)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(src)))
	if len(src) == 0 {
		return appendBlockHeader(dst, true, zstdBlockRaw, 0), nil
	}
	for len(src) > 0 {
		n := min(len(src), zstdMaxBlock)
		block, last := src[:n], n == len(src)
		src = src[n:]
		var out []byte
		err := huff0.ErrIncompressible
		if n >= zstdMinHuffman {
			s.Reuse = huff0.ReusePolicyNone // every block carries its table
			out, _, err = huff0.Compress4X(block, s)
		}
		switch {
		case errors.Is(err, huff0.ErrUseRLE):
			dst = appendBlockHeader(dst, last, zstdBlockRLE, n)
			dst = append(dst, block[0])
			continue
		case err == nil:
			lh, lhSize := literalsHeader(n, len(out))
			if size := lhSize + len(out) + 1; size < n {
				dst = appendBlockHeader(dst, last, zstdBlockCompressed, size)
				for i := range lhSize {
					dst = append(dst, byte(lh>>(8*i)))
				}
				dst = append(dst, out...)
				// Sequences_Section_Header: Number_of_Sequences 0.
				dst = append(dst, 0)
				continue
			}
		case !errors.Is(err, huff0.ErrIncompressible):
			return dst, err
		}
		dst = appendBlockHeader(dst, last, zstdBlockRaw, n)
		dst = append(dst, block...)
	}
	return dst, nil
}

// appendBlockHeader appends a 3-byte Block_Header: Last_Block, Block_Type,
// Block_Size (the stored size; for RLE blocks the regenerated size).
func appendBlockHeader(dst []byte, last bool, typ, size int) []byte {
	h := uint32(typ)<<1 | uint32(size)<<3
	if last {
		h |= 1
	}
	return append(dst, byte(h), byte(h>>8), byte(h>>16))
}

// literalsHeader returns the Literals_Section_Header of Huffman-coded
// literals in four streams (regenerated size n, compressed size comp,
// which includes the table and the jump table) and its size in bytes: the
// smallest Size_Format that holds both sizes.
func literalsHeader(n, comp int) (uint64, int) {
	h := uint64(zstdLiteralsCompressed)
	switch w := max(bits.Len(uint(n)), bits.Len(uint(comp))); {
	case w <= 10:
		return h | 1<<2 | uint64(n)<<4 | uint64(comp)<<14, 3
	case w <= 14:
		return h | 2<<2 | uint64(n)<<4 | uint64(comp)<<18, 4
	default: // 18 bits: blocks are at most 128 KiB
		return h | 3<<2 | uint64(n)<<4 | uint64(comp)<<22, 5
	}
}
