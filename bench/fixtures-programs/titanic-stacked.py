# Titanic: passengers and crew by class, stacked by survival (ggplot2 stacked bars), 800x600
import matplotlib.pyplot as plt

classes = ['1st', '2nd', '3rd', 'Crew']
survived_no = [122, 167, 528, 673]
survived_yes = [203, 118, 178, 212]

fig = plt.figure(figsize=(8, 6), dpi=100)
# panel in pixels: x 58..695, y 33..554
ax = fig.add_axes([58 / 800, 1 - 554 / 600, 637 / 800, 521 / 600])
ax.set_facecolor('#ebebeb')
for s in ax.spines.values():
    s.set_visible(False)
x = list(range(1, len(classes) + 1))
ax.bar(x, survived_yes, width=0.9, color='#00bfc4', label='Yes', zorder=2)
ax.bar(x, survived_no, width=0.9, bottom=survived_yes, color='#f8766d', label='No', zorder=2)
ax.set_xlim(0.4, 4.6)
ax.set_ylim(-44.25, 929.25)
ax.set_yticks([0, 250, 500, 750])
ax.set_yticks([125, 375, 625, 875], minor=True)
ax.set_xticks(x)
ax.set_xticklabels(classes)
ax.grid(True, which='major', color='white', linewidth=1.0, zorder=0)
ax.grid(True, which='minor', axis='y', color='white', linewidth=0.5, zorder=0)
ax.set_axisbelow(True)
ax.tick_params(which='major', length=3, width=0.8, color='#333333', labelsize=8.8, labelcolor='#4d4d4d', pad=2.5)
ax.tick_params(which='minor', length=0)
ax.set_xlabel('Class', fontsize=11, labelpad=1.5)
ax.set_ylabel('People', fontsize=11, labelpad=4)
ax.set_title('Titanic passengers and crew by class', fontsize=13.2, loc='left', pad=8)
handles, labels = ax.get_legend_handles_labels()
leg = fig.legend(handles[::-1], labels[::-1], title='Survived', loc='upper left', bbox_to_anchor=(718 / 800, 1 - 264 / 600),
                 frameon=False, fontsize=8.8, title_fontsize=11, handlelength=1.75, handleheight=2.3,
                 labelspacing=0.0, handletextpad=0.65, borderpad=0, borderaxespad=0)
leg._legend_box.align = 'left'
