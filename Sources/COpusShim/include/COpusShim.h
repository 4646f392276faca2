#ifndef TANDEM_COPUSSHIM_H
#define TANDEM_COPUSSHIM_H
/* opus_encoder_ctl and opus_decoder_ctl are variadic with macro requests: one function per setting. */
#include <opus/opus.h>

int tandem_opus_set_complexity(OpusEncoder *enc, int complexity);
int tandem_opus_set_bitrate(OpusEncoder *enc, int bitrate);
int tandem_opus_set_signal_voice(OpusEncoder *enc);
int tandem_opus_set_inband_fec(OpusEncoder *enc, int on);
int tandem_opus_set_packet_loss_perc(OpusEncoder *enc, int percent);
int tandem_opus_set_dtx(OpusEncoder *enc, int on);
int tandem_opus_get_lookahead(OpusEncoder *enc, int *samples);
int tandem_opus_encoder_reset(OpusEncoder *enc);
int tandem_opus_decoder_reset(OpusDecoder *dec);

#endif
