package file

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// WriteBucketFiles writes creds into the bucket files of dir, in the layout
// the store reads, replacing what is there, without the lock or a flush to
// disk: for benchmarks that need thousands of credentials fast.
func WriteBucketFiles(dir string, creds map[string]string) error {
	buckets := map[string]map[string]string{}
	for k, v := range creds {
		b := bucketOf(k)
		if buckets[b] == nil {
			buckets[b] = map[string]string{}
		}
		buckets[b][k] = v
	}
	cdir := filepath.Join(dir, credentialsDirName)
	if err := os.MkdirAll(cdir, 0o700); err != nil {
		return err
	}
	for b, m := range buckets {
		data, err := json.MarshalIndent(bucketFile{Version: bucketVersion, Bucket: b, Credentials: m}, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(cdir, bucketFileName(b)), append(data, '\n'), 0o600); err != nil {
			return err
		}
	}
	return nil
}
