# The article of yenc_article_zip_opened with one bit of its =yend crc32=
# flipped: the decoded bytes are not what the sender wrote, so the block is
# error.corrupt, and still handed back and scanned (EICAR -> block).
YENC_CRC_FLIP=1 . "$(dirname "${BASH_SOURCE[0]}")/yenc_article_zip_opened.sh"
