/* The whole public conflux API. Include this, or the one module header you need. */
#pragma once

#include <conflux/cfxsys.h>
#include <conflux/cfxrng.h>
#include <conflux/cfxic.h>
#include <conflux/cfxfv.h>
#include <conflux/cfxspectral.h>
#include <conflux/cfxtensor.h>
#include <conflux/cfxode.h>
#include <conflux/cfxio.h>
#include <conflux/cfxnn.h>
#include <conflux/cfxoptim.h>
#include <conflux/cfxtrain.h>
#include <conflux/cfxcheckpoint.h>
#include <conflux/cfxfluxno.h>
#include <conflux/cfxineus.h>
#include <conflux/cfxsnapo.h>
#include <conflux/cfxlgp.h>
#include <conflux/cfxjaws.h>
#include <conflux/cfxhfluxno.h>
