# Nile: annual flow of the river Nile at Aswan, 1871-1970, 10^8 m^3 (ggplot2 line), 800x600
import matplotlib.pyplot as plt

years = list(range(1871, 1971))
flow = [
    1120, 1160, 963, 1210, 1160, 1160, 813, 1230, 1370, 1140, 995, 935, 1110, 994, 1020, 960, 1180, 799, 958, 1140,
    1100, 1210, 1150, 1250, 1260, 1220, 1030, 1100, 774, 840, 874, 694, 940, 833, 701, 916, 692, 1020, 1050, 969,
    831, 726, 456, 824, 702, 1120, 1100, 832, 764, 821, 768, 845, 864, 862, 698, 845, 744, 796, 1040, 759,
    781, 865, 845, 944, 984, 897, 822, 1010, 771, 676, 649, 846, 812, 742, 801, 1040, 860, 874, 848, 890,
    744, 749, 838, 1050, 918, 986, 797, 923, 975, 815, 1020, 906, 901, 1170, 912, 746, 919, 718, 714, 740,
]

fig = plt.figure(figsize=(8, 6), dpi=100)
# panel in pixels: x 70..792, y 33..554
ax = fig.add_axes([70 / 800, 1 - 554 / 600, 722 / 800, 521 / 600])
ax.set_facecolor('#ebebeb')
for s in ax.spines.values():
    s.set_visible(False)
ax.plot(years, flow, color='navy', linewidth=1.0, zorder=3)
ax.set_xlim(1866.11, 1974.85)
ax.set_ylim(411.3, 1414.4)
ax.set_xticks([1875, 1900, 1925, 1950])
ax.set_xticks([1887.5, 1912.5, 1937.5, 1962.5], minor=True)
ax.set_yticks([600, 800, 1000, 1200, 1400])
ax.set_yticks([500, 700, 900, 1100, 1300], minor=True)
ax.grid(True, which='major', color='white', linewidth=1.0, zorder=0)
ax.grid(True, which='minor', color='white', linewidth=0.5, zorder=0)
ax.set_axisbelow(True)
ax.tick_params(which='major', length=3, width=0.8, color='#333333', labelsize=8.8, labelcolor='#4d4d4d', pad=2.5)
ax.tick_params(which='minor', length=0)
ax.set_xlabel('Year', fontsize=11, labelpad=1.5)
ax.set_ylabel(r'$10^8\ \mathrm{m}^3$', fontsize=11, labelpad=1.5)
ax.set_title('Annual flow of the Nile at Aswan', fontsize=13.2, loc='left', pad=8.5)
