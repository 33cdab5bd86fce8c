package supervisor

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// PeakRSSKb reads VmHWM (peak resident set, kB) from /proc/<pid>/status. It
// reports false when the process or the field is gone.
func PeakRSSKb(pid int) (int64, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Bytes()
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			fields := bytes.Fields(rest)
			if len(fields) == 0 {
				return 0, false
			}
			kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false
}
