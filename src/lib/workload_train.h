/*
 * workload_train.h - the kernel specs of LoRA training: lora_backward,
 * adamw_step and training_step (defined, with their exact math, input
 * order and output layout, in workload_train.c). workload.c lists them in
 * its table of kernels; everything else finds them with workload_find().
 */
#ifndef MC_WORKLOAD_TRAIN_H
#define MC_WORKLOAD_TRAIN_H
#include "workload.h"

extern const struct kernel_spec workload_spec_lora_backward;
extern const struct kernel_spec workload_spec_adamw_step;
extern const struct kernel_spec workload_spec_training_step;

#endif
