/* rs485.h — the Pylontech-family "~" protocol in one include: the frame
 * codec (rs485_frame.h) and the dialect decoders (rs485_dialect.h). */
#ifndef PT_RS485_H
#define PT_RS485_H

#include "proto/rs485_frame.h"
#include "proto/rs485_dialect.h"

#endif
