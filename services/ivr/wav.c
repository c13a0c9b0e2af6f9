#include "wav.h"

#include <string.h>

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v & 0xff);
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

void ivr_wav_header(uint8_t h[IVR_WAV_HEADER], uint32_t rate,
		    uint32_t n_samples)
{
	uint32_t data = n_samples * 2u;

	memcpy(h, "RIFF", 4);
	le32(h + 4, 36u + data);
	memcpy(h + 8, "WAVEfmt ", 8);
	le32(h + 16, 16); /* fmt chunk size */
	le16(h + 20, 1);  /* PCM */
	le16(h + 22, 1);  /* mono */
	le32(h + 24, rate);
	le32(h + 28, rate * 2u); /* bytes per second */
	le16(h + 32, 2);	 /* block align */
	le16(h + 34, 16);	 /* bits per sample */
	memcpy(h + 36, "data", 4);
	le32(h + 40, data);
}

bool ivr_wav_parse(const uint8_t *h, size_t len, size_t file_len,
		   uint32_t *rate, uint32_t *n_samples)
{
	if (len < IVR_WAV_HEADER || memcmp(h, "RIFF", 4) != 0 ||
	    memcmp(h + 8, "WAVEfmt ", 8) != 0 || rd32(h + 16) != 16 ||
	    rd16(h + 20) != 1 || rd16(h + 22) != 1 || rd16(h + 34) != 16 ||
	    memcmp(h + 36, "data", 4) != 0)
		return false;
	uint32_t r = rd32(h + 24), data = rd32(h + 40);
	if (r < 8000 || r > 48000 || data % 2 || rd32(h + 4) != 36u + data)
		return false;
	if (file_len && file_len != (size_t)IVR_WAV_HEADER + data)
		return false;
	*rate = r;
	*n_samples = data / 2;
	return true;
}

uint32_t ivr_wav_ms(uint32_t rate, uint64_t n_samples)
{
	return rate ? (uint32_t)(n_samples * 1000u / rate) : 0;
}

size_t ivr_wav_halve(int16_t *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s[o++] = (int16_t)(((int32_t)s[i] + (int32_t)s[i + 1]) / 2);
	return o;
}
